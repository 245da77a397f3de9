import { Module } from '@nestjs/common';
import { GcModule, PushLatencyPublisher } from '@wharf/gc';
import { RegistryCoreModule } from '@wharf/registry-core';
import { ManagementModule } from '../management/management.module';
import { GcController } from './gc.controller';
import { GcManagementService } from './gc-management.service';

/**
 * Management API /system/gc: GC schedule, manual runs, history, logs and stop (JobsModule is global,
 * from AppModule); and the pushes' storage-write latency published for the sweep's pacing.
 */
@Module({
  imports: [ManagementModule, GcModule, RegistryCoreModule],
  controllers: [GcController],
  providers: [GcManagementService, PushLatencyPublisher],
})
export class GcApiModule {}
