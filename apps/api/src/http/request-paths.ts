/** Whether a request URL is under /v2 (OCI distribution) rather than the management API, token or health endpoints. */
export function isDistributionPath(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?');
}
