/** How an upstream client behaves, whatever the registry type. */
export interface UpstreamClientOptions {
  /** per request: connect + headers, and the longest silence while a body streams (default 30 s) */
  timeoutMs?: number;
  /** `n` sent with tag listings (the upstream's default page size when absent) */
  tagPageSize?: number;
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;
