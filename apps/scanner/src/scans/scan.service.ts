import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ScanPlan, ScanRequest } from '../api/scan-request';
import { SCAN_ENGINES, type ScanEngines } from '../scan/scan-engines';
import { ScanQueue } from './scan-queue';
import { ScanRepository, type Scan } from './scan.repository';

/** Accepting scans and reading them back: what the API's controller calls. */
@Injectable()
export class ScanService {
  private readonly logger = new Logger(ScanService.name);

  constructor(
    private readonly scans: ScanRepository,
    private readonly queue: ScanQueue,
    @Inject(SCAN_ENGINES) private readonly engines: ScanEngines,
  ) {}

  /** Records the scan, then queues it; a scan that could not be queued is not left behind. */
  async accept(request: ScanRequest, plan: ScanPlan): Promise<string> {
    const id = randomUUID();
    await this.scans.create(id, { registry: { url: request.registry.url }, artifact: request.artifact, enabled_capabilities: request.enabled_capabilities, plan });
    try {
      await this.queue.enqueue({ scanId: id, authorization: request.registry.authorization });
    } catch (error) {
      await this.scans.remove(id).catch(() => undefined);
      throw error;
    }
    return id;
  }

  find(id: string): Promise<Scan | null> {
    return this.scans.find(id);
  }

  /** When the advisories were last updated; null (the property left out) when unknown or unreadable, so metadata still answers. */
  async databaseUpdatedAt(): Promise<Date | null> {
    try {
      return await this.engines.matcher.databaseUpdatedAt();
    } catch (error) {
      this.logger.warn(`the vulnerability database's update time could not be read: ${(error as Error).message}`);
      return null;
    }
  }
}
