import type { ArtifactFilter } from '@wharf/artifacts';
import { ApiError } from '../management/api-error';
import { parseHarborQuery, type QueryTerm } from '../management/harbor-query';

export const ARTIFACT_QUERY_KEYS = ['tags', 'type', 'digest', 'media_type', 'push_time', 'pull_time', 'label'] as const;

/** Harbor's `q` of an artifact listing, as filters; 400 naming the key for anything it cannot mean. */
export function artifactFilter(q: string | undefined): Omit<ArtifactFilter, 'offset' | 'limit'> {
  const terms = parseHarborQuery(q, ARTIFACT_QUERY_KEYS);
  const filter: Omit<ArtifactFilter, 'offset' | 'limit'> = {};
  const tags = terms.get('tags');
  if (tags) {
    if (tags.kind === 'exact') filter.tags = tags.value === 'nil' ? 'untagged' : tags.value === '*' ? 'tagged' : { value: tags.value, fuzzy: false };
    else if (tags.kind === 'fuzzy') filter.tags = { value: tags.value, fuzzy: true };
    else throw new ApiError('BAD_REQUEST', 'tags takes a tag (=), a substring (=~), * (tagged artifacts) or nil (untagged artifacts)');
  }
  const type = terms.get('type');
  if (type) filter.type = exact(type);
  const digest = terms.get('digest');
  if (digest) filter.digest = exact(digest);
  const mediaType = terms.get('media_type');
  if (mediaType) filter.mediaType = exact(mediaType);
  const pushTime = terms.get('push_time');
  if (pushTime) filter.pushTime = timeRange(pushTime);
  const pullTime = terms.get('pull_time');
  if (pullTime) filter.pullTime = timeRange(pullTime);
  const label = terms.get('label');
  if (label) filter.labels = [labelId(label)];
  return filter;
}

function exact(term: QueryTerm): string {
  if (term.kind !== 'exact' || !term.value) throw new ApiError('BAD_REQUEST', `${term.key} takes an exact value (=)`);
  return term.value;
}

/** `label=<label id>`: artifacts carrying that label. */
function labelId(term: QueryTerm): number {
  const value = term.kind === 'exact' ? term.value.trim() : '';
  const id = /^[1-9]\d{0,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id)) throw new ApiError('BAD_REQUEST', `${term.key} takes a label id (=)`);
  return id;
}

/** `[from~to]`, each side a date/time (ISO 8601 or `2024-01-02 03:04:05`) or empty; from <= to. */
function timeRange(term: QueryTerm): { from?: Date; to?: Date } {
  if (term.kind !== 'range' || !term.values || term.values.length !== 2) throw new ApiError('BAD_REQUEST', `${term.key} takes a range [from~to]`);
  const [from, to] = term.values.map((value) => {
    if (value === '') return undefined;
    const date = new Date(/^\d+$/.test(value) ? Number(value) * 1000 : value);
    if (Number.isNaN(date.getTime())) throw new ApiError('BAD_REQUEST', `${term.key}: "${value}" is not a date/time`);
    return date;
  });
  if (!from && !to) throw new ApiError('BAD_REQUEST', `${term.key} takes a range with at least one bound`);
  if (from && to && from > to) throw new ApiError('BAD_REQUEST', `${term.key}: the range starts after it ends`);
  return { from, to };
}
