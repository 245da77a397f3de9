/**
 * The port every P2P provider implements (Harbor's preheat Driver): a health check, the hand-over
 * of one artifact, and its progress. One adapter per vendor (and Dragonfly API generation);
 * `createPreheatProvider` picks it.
 */

/** What the provider gets to pull one artifact from Wharf (CONTRACTS.md section 5). */
export interface PreheatImage {
  /** `<external url>/v2/<project>/<repo>/manifests/<tag>` */
  url: string;
  /** `{ Authorization: "Bearer <pull-only token for this repository>" }` */
  headers: Record<string, string>;
  /** `<project>/<repo>` */
  repository: string;
  tag: string;
  digest: string;
  /** the manifest's media type (an index stays an index) */
  mediaType: string;
  /** the policy's extra_attrs (Dragonfly: scope, scheduler cluster ids) */
  extraAttrs: Record<string, unknown>;
}

/** Where a preheat stands at the provider. `message`: what to keep in the task log. */
export type PreheatState = { state: 'running'; message?: string } | { state: 'success'; message?: string } | { state: 'failure'; message: string };

export interface PreheatStarted {
  /** the provider's id of the preheat, to poll */
  taskId: string;
  /** set when the provider's answer already ends it (Kraken's 200, Dragonfly v1's 208) */
  final?: PreheatState;
  /** what to keep in the task log about the hand-over */
  message: string;
}

export interface PreheatProvider {
  /** resolves when the provider answers its health path with 2xx; throws ProviderError otherwise */
  health(): Promise<void>;
  preheat(image: PreheatImage): Promise<PreheatStarted>;
  progress(taskId: string): Promise<PreheatState>;
}

/**
 * A provider refused or could not be reached: `reason` classifies it for the task's status
 * (unauthorized, forbidden, invalid, rate-limited, down, error), `message` carries the provider's
 * own answer (status and body, cut to a readable length) for the task log.
 */
export class ProviderError extends Error {
  constructor(
    readonly reason: ProviderFailureReason,
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export type ProviderFailureReason = 'unauthorized' | 'forbidden' | 'invalid' | 'rate-limited' | 'down' | 'protocol' | 'error';

export function reasonOfStatus(status: number): ProviderFailureReason {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 400 || status === 422) return 'invalid';
  if (status === 429) return 'rate-limited';
  if (status === 502 || status === 503 || status === 504) return 'down';
  return 'error';
}
