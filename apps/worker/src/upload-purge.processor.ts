import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { JobName, type JobHandlers } from '@wharf/jobs';
import { UploadSessions } from '@wharf/registry-core';

/** Purges upload sessions abandoned for longer than UPLOAD_PURGE_AGE_HOURS, aborting their storage uploads. */
@Injectable()
export class UploadPurgeProcessor {
  private readonly logger = new Logger(UploadPurgeProcessor.name);

  constructor(
    private readonly uploads: UploadSessions,
    private readonly config: AppConfig,
  ) {}

  handlers(): JobHandlers {
    return {
      [JobName.PurgeAbandonedUploads]: async ({ olderThanHours }) => {
        const purged = await this.uploads.purgeOlderThan(olderThanHours ?? this.config.UPLOAD_PURGE_AGE_HOURS);
        if (purged) this.logger.log(`purged ${purged} abandoned upload session(s)`);
        return { purged };
      },
    };
  }
}
