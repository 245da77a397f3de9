import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { JobName, OnJob } from '@wharf/jobs';
import { UploadSessions } from '@wharf/registry-core';

/**
 * Purges upload sessions abandoned for longer than UPLOAD_PURGE_AGE_HOURS, aborting their
 * storage uploads, and storage leftovers no session holds that are as old (temp and staging
 * files of a killed process, S3 multipart uploads nobody completes or aborts).
 */
@Injectable()
export class UploadPurgeProcessor {
  private readonly logger = new Logger(UploadPurgeProcessor.name);

  constructor(
    private readonly uploads: UploadSessions,
    private readonly config: AppConfig,
  ) {}

  @OnJob(JobName.PurgeAbandonedUploads)
  async purge({ olderThanHours }: { olderThanHours?: number }): Promise<{ purged: number; leftovers: number }> {
    const hours = olderThanHours ?? this.config.UPLOAD_PURGE_AGE_HOURS;
    const purged = await this.uploads.purgeOlderThan(hours);
    const leftovers = await this.uploads.purgeLeftovers(new Date(Date.now() - hours * 3_600_000));
    if (purged || leftovers) this.logger.log(`purged ${purged} abandoned upload session(s) and ${leftovers} storage leftover(s)`);
    return { purged, leftovers };
  }
}
