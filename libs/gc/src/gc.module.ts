import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { MetricsModule } from '@wharf/metrics';
import { RegistryCoreModule } from '@wharf/registry-core';
import { GarbageCollector } from './garbage-collector';
import { BlobSweeper } from './blob-sweeper';
import { GcLauncher } from './gc-launcher';
import { GcSchedule } from './gc-schedule';
import { PushLatencySignal } from './push-latency-signal';
import { UntaggedArtifacts } from './untagged-artifacts';

/** Non-blocking garbage collection: the launcher (api and schedule), the schedule, and the collector (worker). */
@Module({
  imports: [RegistryCoreModule, ArtifactsModule, MetricsModule],
  providers: [GcLauncher, GcSchedule, GarbageCollector, BlobSweeper, UntaggedArtifacts, PushLatencySignal],
  exports: [GcLauncher, GcSchedule, GarbageCollector, BlobSweeper],
})
export class GcModule {}
