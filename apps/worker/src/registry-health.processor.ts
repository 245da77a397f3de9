import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { NotFoundError } from '@wharf/errors';
import { JobName, JobQueues, OnJob } from '@wharf/jobs';
import { RegistryService, pingEndpoint, type UpstreamEndpoint } from '@wharf/registries';

/**
 * Keeps each registry endpoint's status (healthy/unhealthy, why, when) current. A sweep every
 * REGISTRY_HEALTH_INTERVAL_SECONDS queues one check per endpoint at a random moment within the
 * period, so a hundred endpoints on one upstream do not all ping it in the same second. A check
 * has a fixed job id per endpoint, so a slow sweep never piles up a second check behind the first.
 */
@Injectable()
export class RegistryHealthProcessor {
  private readonly logger = new Logger(RegistryHealthProcessor.name);

  constructor(
    private readonly registries: RegistryService,
    private readonly queues: JobQueues,
    private readonly config: AppConfig,
  ) {}

  @OnJob(JobName.RegistryHealthSweep)
  async sweep(): Promise<{ queued: number }> {
    const periodMs = this.config.REGISTRY_HEALTH_INTERVAL_SECONDS * 1000;
    const ids = await this.registries.ids();
    for (const registryId of ids) {
      await this.queues.enqueue(
        { name: JobName.RegistryHealthCheck, data: { registryId } },
        // removed once done, or the fixed id would make BullMQ ignore the next period's check
        { jobId: `registry-health-${registryId}`, delay: Math.floor(Math.random() * periodMs), attempts: 1, removeOnComplete: true, removeOnFail: true },
      );
    }
    return { queued: ids.length };
  }

  /** A failed ping is a result (unhealthy), not a job failure; an endpoint deleted meanwhile is skipped. */
  @OnJob(JobName.RegistryHealthCheck)
  async check({ registryId }: { registryId: number }): Promise<{ status: string }> {
    let endpoint: UpstreamEndpoint;
    try {
      endpoint = await this.registries.upstreamEndpoint(registryId);
    } catch (error) {
      if (error instanceof NotFoundError) return { status: 'deleted' };
      // e.g. the secret was sealed with another key: the endpoint cannot be used, say why
      const message = `the stored credential cannot be used: ${(error as Error).message}`;
      await this.registries.setHealth(registryId, 'unhealthy', message);
      this.logger.warn(`registry ${registryId}: ${message}`);
      return { status: 'unhealthy' };
    }
    const outcome = await pingEndpoint(endpoint);
    await this.registries.setHealth(registryId, outcome.ok ? 'healthy' : 'unhealthy', outcome.ok ? '' : outcome.message);
    return { status: outcome.ok ? 'healthy' : 'unhealthy' };
  }
}
