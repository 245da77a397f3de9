import { Injectable, Logger } from '@nestjs/common';
import type { SqlExecutor } from '@wharf/db';
import { EventConsumer, EventType, projectOf, type AfterCommit, type EventHandler, type RegistryEvent } from '@wharf/events';
import { PreheatLauncher, type Launched } from './preheat-launcher';
import { PreheatPolicyService } from './preheat-policy.service';

/**
 * Event-based preheat policies as a consumer of the event stream: each push becomes, per enabled
 * event-based policy of its project that selects the pushed artifact, an execution (trigger EVENT)
 * written in the batch's transaction, so once per push; its task jobs are queued after the
 * commit. Harbor also fires these policies on "scan completed" and "label added": Wharf has no
 * such events yet (no scanner, and label changes are not in the stream), so push is what fires.
 */
@EventConsumer({ name: 'preheat', types: [EventType.PushArtifact] })
@Injectable()
export class PreheatEventConsumer implements EventHandler {
  private readonly logger = new Logger(PreheatEventConsumer.name);

  constructor(
    private readonly policies: PreheatPolicyService,
    private readonly launcher: PreheatLauncher,
  ) {}

  async handle(tx: SqlExecutor, events: RegistryEvent[]): Promise<AfterCommit> {
    const launched: Launched[] = [];
    for (const event of events) {
      if (event.type !== EventType.PushArtifact) continue;
      const { repository, digest } = event.data;
      for (const policy of await this.policies.eventBased(tx, projectOf(repository))) {
        try {
          const run = await this.launcher.launch(policy, 'EVENT', { within: tx, only: { repository, digest }, skipWhenEmpty: true });
          if (run) launched.push(run);
        } catch (error) {
          // a disabled instance: the policy cannot run; the other policies go on
          this.logger.warn(`preheat policy ${policy.name} not run for ${repository}@${digest}: ${(error as Error).message}`);
        }
      }
    }
    return async () => {
      for (const run of launched) await run.enqueue();
    };
  }
}
