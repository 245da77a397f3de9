import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@wharf/config';
import { DbModule } from '@wharf/db';
import { RedisModule } from '@wharf/redis';
import { StorageModule } from '@wharf/storage';
import { LoggerModule } from 'nestjs-pino';
import { DistributionModule } from './distribution/distribution.module';
import { HealthController } from './health/health.controller';
import { loggerOptions } from './logger-options';

/** The api process: /v2 (OCI distribution), health, and (next) the management API. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config)),
        DbModule,
        RedisModule,
        StorageModule,
        DistributionModule,
      ],
      controllers: [HealthController],
    };
  }
}
