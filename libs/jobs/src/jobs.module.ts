import { Global, Module } from '@nestjs/common';
import { ExecutionService } from './execution.service';
import { JobQueues } from './job-queues';
import { ScheduleService } from './schedule.service';

/** Queues, schedules and execution records shared by the api (producer) and the worker (consumer). */
@Global()
@Module({
  providers: [JobQueues, ExecutionService, ScheduleService],
  exports: [JobQueues, ExecutionService, ScheduleService],
})
export class JobsModule {}
