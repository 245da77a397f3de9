import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { RegistriesModule } from '@wharf/registries';
import { ReplicationCopyModule } from './copy/replication-copy.module';
import { ReplicationEventConsumer } from './replication-event-consumer';
import { ReplicationLauncher } from './replication-launcher';
import { ReplicationPolicyService } from './replication-policy.service';
import { ReplicationResolver } from './replication-resolver';
import { ReplicationRunner } from './replication-runner';

/**
 * Replication's control side: policies (with their schedules and their hold on registry
 * endpoints), executions and tasks, the event trigger, and the worker's resolution and task runs,
 * on the copy engine (ARTIFACT_COPIER, REMOTE_CATALOG) of ReplicationCopyModule.
 */
@Module({
  imports: [ArtifactsModule, RegistriesModule, ReplicationCopyModule],
  providers: [ReplicationPolicyService, ReplicationLauncher, ReplicationResolver, ReplicationRunner, ReplicationEventConsumer],
  exports: [ReplicationPolicyService, ReplicationLauncher, ReplicationResolver, ReplicationRunner, ReplicationEventConsumer],
})
export class ReplicationModule {}
