/**
 * How the policy side asks the scan side (scan-core) for a scan it needs now: a proxy-cache
 * project with `proxy_scan_before_serve` scans a newly cached artifact before serving it.
 * ScanningModule binds it (ScanRequesterService).
 */
export interface ScanRequester {
  /** starts (or joins) a vulnerability scan of the artifact; resolves once it is queued, not when it ends */
  requestScan(artifact: { projectId: number; repository: string; digest: string }): Promise<void>;
}

export const SCAN_REQUESTER = Symbol('ScanRequester');
