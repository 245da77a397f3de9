import type { UpstreamEndpoint } from './registry-endpoint';
import { createUpstreamRegistry } from './upstream/create-upstream-registry';
import { UpstreamAuthError, UpstreamCertificateError, UpstreamProtocolError } from './upstream/upstream-registry';

/** A ping's bound: one health check or one click on "test connection" never waits longer. */
export const PING_TIMEOUT_MS = 10_000;

export type PingOutcome = { ok: true } | { ok: false; message: string };

/**
 * Whether the endpoint answers /v2/ with its credential, and if not, why, as a class of failure
 * (unreachable, authentication failed, not a registry, certificate not trusted): never what the
 * network or the upstream said, which would carry ports, addresses and whatever echoed the secret.
 * A refused connection and a timeout are both "unreachable", so a ping does not map open ports.
 */
export async function pingEndpoint(endpoint: UpstreamEndpoint, timeoutMs = PING_TIMEOUT_MS): Promise<PingOutcome> {
  try {
    const client = createUpstreamRegistry(endpoint, { timeoutMs });
    await client.ping({ signal: AbortSignal.timeout(timeoutMs) });
    return { ok: true };
  } catch (error) {
    if (error instanceof UpstreamAuthError) return { ok: false, message: `authentication failed at ${endpoint.url}` };
    if (error instanceof UpstreamCertificateError) return { ok: false, message: `the TLS certificate of ${endpoint.url} is not trusted; mark the endpoint insecure to skip the check` };
    if (error instanceof UpstreamProtocolError) return { ok: false, message: `${endpoint.url} is not a registry` };
    return { ok: false, message: `${endpoint.url} is unreachable` };
  }
}
