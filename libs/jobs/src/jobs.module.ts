import { Global, Module } from '@nestjs/common';
import { ExecutionService } from './execution.service';
import { JobQueues } from './job-queues';

/** Queues, schedules and execution records shared by the api (producer) and the worker (consumer). */
@Global()
@Module({
  providers: [JobQueues, ExecutionService],
  exports: [JobQueues, ExecutionService],
})
export class JobsModule {}
