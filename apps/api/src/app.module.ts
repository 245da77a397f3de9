import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@wharf/config';
import { DbModule } from '@wharf/db';
import { JobsModule } from '@wharf/jobs';
import { RedisModule } from '@wharf/redis';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from '@wharf/audit';
import { QuotaLedgerModule } from '@wharf/projects';
import { EventsModule } from '@wharf/events';
import { RegistryCoreModule } from '@wharf/registry-core';
import { DistributionModule } from './distribution/distribution.module';
import { HealthController } from './health/health.controller';
import { loggerOptions } from './logger-options';
import { ArtifactsApiModule } from './artifacts/artifacts-api.module';
import { AuditLogsApiModule } from './audit-logs/audit-logs-api.module';
import { GcApiModule } from './gc/gc-api.module';
import { RetentionApiModule } from './retention/retention-api.module';
import { ProjectsApiModule } from './projects/projects-api.module';
import { ScanningPoliciesApiModule } from './scanning/scanning-policies-api.module';
import { RepositoriesApiModule } from './repositories/repositories-api.module';
import { RobotsApiModule } from './robots/robots-api.module';
import { UsersApiModule } from './users/users-api.module';
import { TokenModule } from './token/token.module';
import { ImmutabilityApiModule } from './immutability/immutability-api.module';
import { LabelsApiModule } from './labels/labels-api.module';
import { WebhooksApiModule } from './webhooks/webhooks-api.module';
import { RegistriesApiModule } from './registries/registries-api.module';
import { ScannersApiModule } from './scanners/scanners-api.module';
import { ScannersModule } from '@wharf/scanners';
import { ReplicationApiModule } from './replication/replication-api.module';
import { PreheatApiModule } from './preheat/preheat-api.module';
import { HarborCompatApiModule } from './harbor-compat/harbor-compat-api.module';
import { ApiMetricsModule } from './metrics/api-metrics.module';
import { PortalApiModule } from './portal/portal-api.module';

/** The api process: /v2 (OCI distribution), /service/token, the management API (/api/v2.0), the portal's sessions (/c) and health. */
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
        JobsModule,
        // the quota ledger behind registry-core's port, for every module that stores or removes content
        QuotaLedgerModule,
        AuditModule,
        EventsModule,
        // BlobStore, for the health check's storage probe
        RegistryCoreModule,
        DistributionModule,
        TokenModule,
        UsersApiModule,
        RobotsApiModule,
        ProjectsApiModule,
        ScanningPoliciesApiModule,
        AuditLogsApiModule,
        GcApiModule,
        RetentionApiModule,
        RepositoriesApiModule,
        ArtifactsApiModule,
        ImmutabilityApiModule,
        LabelsApiModule,
        WebhooksApiModule,
        RegistriesApiModule,
        ScannersApiModule,
        // registers SCANNER_URL as the default scanner on first start
        ScannersModule,
        ReplicationApiModule,
        PreheatApiModule,
        HarborCompatApiModule,
        // /c/login and /c/log_out: the web portal's sessions
        PortalApiModule,
        ApiMetricsModule,
      ],
      controllers: [HealthController],
    };
  }
}
