import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ScanPlan, ScanRequest } from '../api/scan-request';
import { SCAN_ENGINES, type ScanEngines } from '../scan/scan-engines';
import { ScanQueue } from './scan-queue';
import { ScanRepository, type Scan } from './scan.repository';

/** Accepting scans and reading them back: what the API's controller calls. */
@Injectable()
export class ScanService {
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

  databaseUpdatedAt(): Promise<Date | null> {
    return this.engines.matcher.databaseUpdatedAt();
  }
}
