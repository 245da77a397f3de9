import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@wharf/config';
import { DbModule } from '@wharf/db';
import { JobsModule } from '@wharf/jobs';
import { RedisModule } from '@wharf/redis';
import { RegistryCoreModule } from '@wharf/registry-core';
import { LoggerModule } from 'nestjs-pino';
import { workerLoggerOptions } from './logger-options';
import { GcModule } from '@wharf/gc';
import { QuotaLedgerModule } from '@wharf/projects';
import { AuditModule } from '@wharf/audit';
import { EventsModule } from '@wharf/events';
import { WebhooksModule } from '@wharf/webhooks';
import { ProxyCacheModule } from '@wharf/proxy-cache';
import { ProxyCacheRetentionProcessor } from './proxy-cache-retention.processor';
import { RetentionModule } from '@wharf/retention';
import { RetentionProcessor } from './retention.processor';
import { RegistriesModule } from '@wharf/registries';
import { RegistryHealthProcessor } from './registry-health.processor';
import { ReplicationModule } from '@wharf/replication';
import { ReplicationProcessor } from './replication.processor';
import { EventConsumerDiscovery } from './event-consumer-discovery';
import { EventRelayProcessor } from './event-relay.processor';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import { ExecutionWatchdogProcessor } from './execution-watchdog.processor';
import { GarbageCollectionProcessor } from './garbage-collection.processor';
import { GcScheduleProcessor } from './gc-schedule.processor';
import { JobHandlerDiscovery } from './job-handler-discovery';
import { JobRunner } from './job-runner';
import { UploadPurgeProcessor } from './upload-purge.processor';
import { PreheatModule } from '@wharf/preheat';
import { PreheatProcessor } from './preheat.processor';
import { WorkerMetricsModule } from './metrics/worker-metrics.module';

/**
 * The worker process: BullMQ processors over the same Postgres, Redis and storage as the api. A
 * processor listed here is found by the JobRunner through its @OnJob methods; a provider marked
 * @EventConsumer in any imported module (webhooks, audit, preheat) is run by the EventRelayProcessor.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(workerLoggerOptions(config)),
        DbModule,
        RedisModule,
        JobsModule,
        // the quota ledger behind registry-core's port (GC gives quota back, delete_untagged removes artifacts)
        QuotaLedgerModule,
        RegistryCoreModule,
        GcModule,
        EventsModule,
        WebhooksModule,
        AuditModule,
        ProxyCacheModule,
        RegistriesModule,
        ReplicationModule,
        PreheatModule,
        RetentionModule,
        DiscoveryModule,
        WorkerMetricsModule,
      ],
      providers: [
        UploadPurgeProcessor, ExecutionWatchdogProcessor, GarbageCollectionProcessor, GcScheduleProcessor, EventRelayProcessor, WebhookDeliveryProcessor,
        ProxyCacheRetentionProcessor, RetentionProcessor, RegistryHealthProcessor, ReplicationProcessor, PreheatProcessor, JobHandlerDiscovery, EventConsumerDiscovery, JobRunner,
      ],
    };
  }
}
