import { SetMetadata } from '@nestjs/common';
import type { JobHandler, JobName } from './job-names';

/** The metadata key under which @OnJob records the job a method handles. */
export const ON_JOB = 'wharf:on-job';

/**
 * Marks a provider's method as the handler of job `name` (its signature is checked against the
 * job's payload type). The worker collects these at boot through Nest's DiscoveryService, so a
 * new job touches its payload type and its handler, and no list of processors.
 */
export function OnJob<N extends JobName>(name: N) {
  return <M extends JobHandler<N>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    SetMetadata(ON_JOB, name)(target, key, descriptor);
  };
}
