import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { DockerTokensModule } from '@wharf/iam';
import { ScanningPoliciesModule } from '@wharf/scanning';
import { SecretsModule } from '@wharf/secrets';
import { PreheatCandidates } from './preheat-candidates';
import { PreheatEventConsumer } from './preheat-event-consumer';
import { PreheatInstanceService } from './preheat-instance.service';
import { PreheatLauncher } from './preheat-launcher';
import { PreheatPolicyService } from './preheat-policy.service';
import { PreheatScheduleTick } from './preheat-schedule-tick';
import { PreheatTaskRunner } from './preheat-task-runner';

const services = [PreheatInstanceService, PreheatPolicyService, PreheatCandidates, PreheatLauncher, PreheatTaskRunner, PreheatScheduleTick, PreheatEventConsumer];

/**
 * Owns P2P preheat: provider instances, preheat policies and their runs (executions of vendor
 * P2P_PREHEAT). Docker tokens alone (DockerTokensModule), not IamModule: that brings the admin
 * bootstrap into the worker.
 */
@Module({
  imports: [ArtifactsModule, SecretsModule, DockerTokensModule, ScanningPoliciesModule],
  providers: services,
  exports: services,
})
export class PreheatModule {}
