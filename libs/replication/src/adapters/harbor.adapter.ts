import {
  UpstreamProtocolError,
  checkedName,
  discard,
  errorForStatus,
  header,
  readBounded,
  registryUrl,
  type UpstreamClientOptions,
  type UpstreamEndpoint,
} from '@wharf/registries';
import type { RemoteArtifact } from '../replication-copy';
import { ReplicationAdapter } from './replication-adapter';

const MAX_PAGE_BYTES = 16 * 1024 * 1024;
const PAGE_SIZE = 100;
const MAX_PAGES = 10_000;

/**
 * Harbor, and Wharf (which speaks Harbor's API): `/v2/_catalog` is for system administrators
 * there, so the catalog comes from the management API (projects, their repositories, artifacts
 * with their tags) with the endpoint's credential as Basic; a tag is removed alone through
 * `DELETE .../artifacts/{digest}/tags/{tag}`.
 */
export class HarborAdapter extends ReplicationAdapter {
  private readonly basic: string | undefined;

  constructor(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}) {
    super('harbor', { ...endpoint, url: registryUrl('harbor', endpoint.url) }, options);
    const credential = endpoint.credential;
    this.basic = credential?.type === 'basic' ? `Basic ${Buffer.from(`${credential.accessKey}:${credential.accessSecret}`).toString('base64')}` : undefined;
  }

  override async repositories(signal?: AbortSignal): Promise<string[]> {
    const projects = await this.pages<{ name: string }>('api/v2.0/projects', signal);
    const names: string[] = [];
    for (const project of projects) {
      const repositories = await this.pages<{ name: string }>(`api/v2.0/projects/${encodeURIComponent(project.name)}/repositories`, signal);
      names.push(...repositories.map((r) => r.name));
    }
    return names;
  }

  /** Every artifact of a repository with its tags, in one paged listing instead of a HEAD per tag. */
  async artifacts(repository: string, signal?: AbortSignal): Promise<RemoteArtifact[]> {
    const name = checkedName(repository);
    const slash = name.indexOf('/');
    if (slash < 0) return [];
    const project = name.slice(0, slash);
    const path = encodeURIComponent(encodeURIComponent(name.slice(slash + 1)));
    const rows = await this.pages<{ digest: string; media_type?: string; manifest_media_type?: string; tags?: { name: string }[] | null }>(
      `api/v2.0/projects/${encodeURIComponent(project)}/repositories/${path}/artifacts?with_tag=true`,
      signal,
    );
    return rows.map((row) => ({
      repository: name,
      digest: row.digest,
      tags: (row.tags ?? []).map((t) => t.name),
      mediaType: row.manifest_media_type ?? row.media_type ?? '',
    }));
  }

  /** Removes one tag, leaving the artifact (false when the tag or artifact is not there). */
  async deleteTag(repository: string, digest: string, tag: string, signal?: AbortSignal): Promise<boolean> {
    const name = checkedName(repository);
    const slash = name.indexOf('/');
    const url = this.url(
      `api/v2.0/projects/${encodeURIComponent(name.slice(0, slash))}/repositories/${encodeURIComponent(encodeURIComponent(name.slice(slash + 1)))}/artifacts/${digest}/tags/${encodeURIComponent(tag)}`,
    );
    const what = `DELETE tag ${name}:${tag}`;
    const response = await this.plain('DELETE', url, this.apiHeaders(), signal, what);
    await discard(response);
    if (response.statusCode === 404) return false;
    if (response.statusCode !== 200) throw errorForStatus(response.statusCode, what);
    return true;
  }

  private apiHeaders(): Record<string, string> {
    return { accept: 'application/json', ...(this.basic ? { authorization: this.basic } : {}) };
  }

  private async pages<T>(path: string, signal?: AbortSignal): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const url = this.url(path);
      url.searchParams.set('page', String(page));
      url.searchParams.set('page_size', String(PAGE_SIZE));
      const what = `GET ${url.pathname}`;
      const response = await this.plain('GET', url, this.apiHeaders(), signal, what);
      if (response.statusCode !== 200) {
        await discard(response);
        throw errorForStatus(response.statusCode, what);
      }
      const body = await readBounded(response, MAX_PAGE_BYTES, what, signal);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new UpstreamProtocolError(`${what}: not JSON`);
      }
      if (!Array.isArray(parsed)) throw new UpstreamProtocolError(`${what}: not a list`);
      items.push(...(parsed as T[]));
      const total = Number(header(response, 'x-total-count'));
      if (parsed.length < PAGE_SIZE || (Number.isFinite(total) && items.length >= total)) return items;
    }
    throw new UpstreamProtocolError(`GET ${path}: more than ${MAX_PAGES} pages`);
  }
}
