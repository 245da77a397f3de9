/**
 * The scanner's own BullMQ queue (the worker's JobRunner neither sees nor consumes it). These
 * strings live in Redis: NEVER rename one that has shipped.
 */
export const SCANNER_QUEUE = 'scanner';

export enum ScannerJob {
  /** one scan request: pull, inventory, match, reports */
  Scan = 'scan',
  /** every 10 minutes: drops scans past their retention, fails open ones nobody works on */
  ExpireScans = 'expire-scans',
}

/**
 * A scan job's payload. The registry authorization lives only here (Redis, for as long as the
 * job does: it is removed when it completes or fails), never in Postgres.
 */
export interface ScanJobData {
  scanId: string;
  authorization?: string;
}
