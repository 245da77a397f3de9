import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { ImmutabilityModule } from '@wharf/immutability';
import { ProjectsModule } from '@wharf/projects';
import { DefaultRetentionPolicy } from './default-retention-policy';
import { ProxyCacheTtl } from './proxy-cache-ttl';
import { RetentionEngine } from './retention-engine';
import { RetentionPolicies } from './retention-policies';
import { RetentionRuns } from './retention-runs';

/**
 * Owns tag retention: the policies (`retention_policy`, and the project's `retention_id`), their
 * runs (executions of vendor RETENTION, a task per repository), the engine that judges and
 * removes through the artifact commands, the system default policy, and the proxy cache's TTL.
 */
@Module({
  imports: [ArtifactsModule, ImmutabilityModule, ProjectsModule],
  providers: [RetentionPolicies, RetentionRuns, RetentionEngine, DefaultRetentionPolicy, ProxyCacheTtl],
  exports: [RetentionPolicies, RetentionRuns, RetentionEngine, DefaultRetentionPolicy, ProxyCacheTtl],
})
export class RetentionModule {}
