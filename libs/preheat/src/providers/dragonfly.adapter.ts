import type { ProviderConnection } from '../preheat-instance';
import { ProviderError, type PreheatImage, type PreheatProvider, type PreheatStarted, type PreheatState } from './preheat-provider';
import { clip, providerRequest } from './provider-http';

const RUNNING_STATES = ['PENDING', 'RECEIVED', 'STARTED', 'RETRY'];
export const DRAGONFLY_SCOPES = ['single_seed_peer', 'all_seed_peers', 'all_peers'];

interface JobResult {
  job_states?: { state?: string; error?: string; results?: { success_tasks?: unknown[]; failure_tasks?: { url?: string; description?: string }[]; scheduler_cluster_id?: number }[] }[];
}

/**
 * Dragonfly v2, the manager's open API (vendor `dragonfly`, as Harbor speaks it since 2.12):
 * `POST /oapi/v1/jobs` with a personal access token (auth mode OAUTH), then `GET
 * /oapi/v1/jobs/{id}` until SUCCESS or FAILURE. The manager fetches the manifest while answering
 * the POST, so a bad URL or token fails the POST itself (422). For an index, the manager resolves
 * it to the manifest of the platform it is asked for (its own by default) and preheats that
 * manifest's layers into the seed peers of the scope.
 */
export class DragonflyV2Provider implements PreheatProvider {
  constructor(private readonly connection: ProviderConnection) {}

  async health(): Promise<void> {
    await providerRequest(this.connection, 'GET', '/healthy');
  }

  async preheat(image: PreheatImage): Promise<PreheatStarted> {
    const attrs = image.extraAttrs;
    const scope = typeof attrs.scope === 'string' && attrs.scope ? attrs.scope : 'single_seed_peer';
    if (!DRAGONFLY_SCOPES.includes(scope)) throw new ProviderError('invalid', `extra_attrs.scope ${scope} is not one of ${DRAGONFLY_SCOPES.join(', ')}`);
    // Harbor's key is cluster_ids; the manager's own name is accepted too
    const clusters = clusterIds(attrs.scheduler_cluster_ids ?? attrs.cluster_ids);
    const body: Record<string, unknown> = {
      type: 'preheat',
      args: { type: 'image', url: image.url, headers: image.headers, scope, timeout: 0 },
      ...(clusters.length ? { scheduler_cluster_ids: clusters } : {}),
    };
    const answer = await providerRequest(this.connection, 'POST', '/oapi/v1/jobs', body);
    const job = answer.json as { id?: number | string; state?: string } | undefined;
    if (job?.id === undefined || job.id === null) throw new ProviderError('protocol', `POST /oapi/v1/jobs answered without a job id: ${clip(answer.body)}`);
    return { taskId: String(job.id), message: `dragonfly job ${job.id} created (state ${job.state ?? 'unknown'})` };
  }

  async progress(taskId: string): Promise<PreheatState> {
    const answer = await providerRequest(this.connection, 'GET', `/oapi/v1/jobs/${encodeURIComponent(taskId)}`);
    const job = answer.json as { state?: string; result?: JobResult } | undefined;
    const state = job?.state ?? '';
    if (RUNNING_STATES.includes(state)) return { state: 'running', message: state };
    const summary = summarise(job?.result);
    if (state === 'SUCCESS') return { state: 'success', message: `SUCCESS${summary}` };
    if (state === 'FAILURE') {
      const errors = (job?.result?.job_states ?? []).map((s) => s.error).filter(Boolean);
      return { state: 'failure', message: `FAILURE${errors.length ? `: ${errors.join('; ')}` : ''}${summary} (${clip(answer.body)})` };
    }
    return { state: 'failure', message: `unknown job state "${state}": ${clip(answer.body)}` };
  }
}

function clusterIds(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  return value.map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

function summarise(result: JobResult | undefined): string {
  let ok = 0;
  const failed: string[] = [];
  for (const state of result?.job_states ?? []) {
    for (const r of state.results ?? []) {
      ok += r.success_tasks?.length ?? 0;
      for (const f of r.failure_tasks ?? []) failed.push(`${f.url ?? '?'}: ${f.description ?? 'failed'}`);
    }
  }
  if (!ok && !failed.length) return '';
  return `; ${ok} peer task(s) succeeded, ${failed.length} failed${failed.length ? ` (${failed.join('; ')})` : ''}`;
}
