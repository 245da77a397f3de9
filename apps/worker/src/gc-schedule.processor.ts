import { Injectable } from '@nestjs/common';
import { JobName, type JobHandlers } from '@wharf/jobs';

/** (being written) A tick of the GC schedule: launches a collection (trigger SCHEDULE) unless one is running. */
@Injectable()
export class GcScheduleProcessor {
  handlers(): JobHandlers {
    return {
      [JobName.ScheduledGarbageCollection]: async () => {
        throw new Error('not implemented yet');
      },
    };
  }
}
