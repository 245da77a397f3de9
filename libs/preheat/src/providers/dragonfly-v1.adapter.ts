import type { ProviderConnection } from '../preheat-instance';
import { ProviderError, type PreheatImage, type PreheatProvider, type PreheatStarted, type PreheatState } from './preheat-provider';
import { clip, providerRequest } from './provider-http';

/**
 * Dragonfly v1, the supernode's API (Harbor 2.1's driver), chosen per instance with
 * `api_version: "v1"` on a `dragonfly` instance: `POST /preheats` -> 201 `{ID}`, or 208 when that
 * preheat already ran (a success); then `GET /preheats/{id}` until SUCCESS or FAILED. The
 * supernode fetches the URL it was given; it knows image manifests only, so an index handed to it
 * fails at the supernode (its error is kept in the task log).
 */
export class DragonflyV1Provider implements PreheatProvider {
  constructor(private readonly connection: ProviderConnection) {}

  async health(): Promise<void> {
    await providerRequest(this.connection, 'GET', '/_ping');
  }

  async preheat(image: PreheatImage): Promise<PreheatStarted> {
    const answer = await providerRequest(this.connection, 'POST', '/preheats', { type: 'image', url: image.url, headers: image.headers }, [208]);
    const json = (answer.json ?? {}) as { ID?: string; id?: string; code?: number; message?: string };
    if (answer.status === 208) {
      const id = /id:\s*(\S+)/.exec(json.message ?? '')?.[1] ?? json.ID ?? json.id ?? '';
      return { taskId: id, final: { state: 'success', message: `already preheated (208): ${json.message ?? ''}` }, message: `supernode answered 208: ${clip(answer.body)}` };
    }
    const id = json.ID ?? json.id;
    if (!id) throw new ProviderError('protocol', `POST /preheats answered without an ID: ${clip(answer.body)}`);
    return { taskId: id, message: `supernode preheat ${id} created` };
  }

  async progress(taskId: string): Promise<PreheatState> {
    const answer = await providerRequest(this.connection, 'GET', `/preheats/${encodeURIComponent(taskId)}`);
    const json = (answer.json ?? {}) as { status?: string; errorMsg?: string };
    switch (json.status) {
      case 'WAITING':
      case 'RUNNING':
        return { state: 'running', message: json.status };
      case 'SUCCESS':
        return { state: 'success', message: 'SUCCESS' };
      case 'FAILED':
        return { state: 'failure', message: `FAILED: ${json.errorMsg || clip(answer.body)}` };
      default:
        return { state: 'failure', message: `unknown preheat status "${json.status ?? ''}": ${clip(answer.body)}` };
    }
  }
}
