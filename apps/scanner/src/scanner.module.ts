import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@wharf/config';
import { DbModule, SqlClient } from '@wharf/db';
import { LoggerModule } from 'nestjs-pino';
import { ProbesController } from './api/probes.controller';
import { ScannerApiController } from './api/scanner-api.controller';
import { ScannerAuthGuard } from './api/scanner-auth.guard';
import { scannerLoggerOptions } from './logger-options';
import { defaultScanEngines, type ScanEngineDependencies } from './scan/default-scan-engines';
import { SCAN_ENGINES, type ScanEngines } from './scan/scan-engines';
import { ScanQueue } from './scans/scan-queue';
import { ScanRepository } from './scans/scan.repository';
import { ScanRunner } from './scans/scan-runner';
import { ScanService } from './scans/scan.service';

/** Builds the engines a scan runs (the default binds the real ones; a test launcher may pass its own). */
export type ScanEnginesFactory = (deps: ScanEngineDependencies) => ScanEngines;

/**
 * The scanner process: the pluggable scanner API, its queue's worker and the `scanner_scan`
 * table. It shares Postgres and Redis with Wharf but no domain lib: it reaches registries the
 * way any adapter does, over the distribution API with the credential a scan request carries.
 */
@Module({})
export class ScannerModule {
  static forRoot(config: AppConfig, engines: ScanEnginesFactory = defaultScanEngines): DynamicModule {
    return {
      module: ScannerModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(scannerLoggerOptions(config)), DbModule],
      controllers: [ScannerApiController, ProbesController],
      providers: [
        { provide: SCAN_ENGINES, inject: [AppConfig, SqlClient], useFactory: (appConfig: AppConfig, sql: SqlClient) => engines({ config: appConfig, sql }) },
        ScannerAuthGuard,
        ScanRepository,
        ScanRunner,
        ScanQueue,
        ScanService,
      ],
    };
  }
}
