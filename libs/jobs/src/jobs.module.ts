import { Global, Module } from '@nestjs/common';
import { JobQueues } from './job-queues';

/** Queues and schedules shared by the api (producer) and the worker (consumer). */
@Global()
@Module({
  providers: [JobQueues],
  exports: [JobQueues],
})
export class JobsModule {}
