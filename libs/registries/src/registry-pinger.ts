import type { UpstreamEndpoint } from './registry-endpoint';
import { MASKED_SECRET } from './registry-input';
import { createUpstreamRegistry } from './upstream/create-upstream-registry';
import { UpstreamAuthError, UpstreamUnavailableError } from './upstream/upstream-registry';

/** A ping's bound: one health check or one click on "test connection" never waits longer. */
export const PING_TIMEOUT_MS = 10_000;

export type PingOutcome = { ok: true } | { ok: false; message: string };

/**
 * Whether the endpoint answers /v2/ with its credential, and if not, why, in words safe to show
 * and store: the secret is cut out of whatever the upstream or the network said.
 */
export async function pingEndpoint(endpoint: UpstreamEndpoint, timeoutMs = PING_TIMEOUT_MS): Promise<PingOutcome> {
  try {
    const client = createUpstreamRegistry(endpoint, { timeoutMs });
    await client.ping({ signal: AbortSignal.timeout(timeoutMs) });
    return { ok: true };
  } catch (error) {
    const detail = redact(error instanceof Error ? error.message : String(error), endpoint.credential?.accessSecret);
    if (error instanceof UpstreamAuthError) return { ok: false, message: `authentication failed at ${endpoint.url}: ${detail}` };
    if (error instanceof UpstreamUnavailableError) return { ok: false, message: `${endpoint.url} is unreachable: ${detail}` };
    if ((error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError') {
      return { ok: false, message: `${endpoint.url} did not answer within ${timeoutMs / 1000} s` };
    }
    return { ok: false, message: `ping of ${endpoint.url} failed: ${detail}` };
  }
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join(MASKED_SECRET) : text;
}
