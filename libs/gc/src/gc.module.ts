import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { RegistryCoreModule } from '@wharf/registry-core';
import { GarbageCollector } from './garbage-collector';
import { GcLauncher } from './gc-launcher';

/** Non-blocking garbage collection: the launcher (api and schedule) and the collector (worker). */
@Module({
  imports: [RegistryCoreModule, ArtifactsModule],
  providers: [GcLauncher, GarbageCollector],
  exports: [GcLauncher, GarbageCollector],
})
export class GcModule {}
