import { InvalidError } from '@wharf/errors';
import { minimatch } from 'minimatch';
import { FILTER_TYPES, RESOURCE_TYPES, type FilterDecoration, type ReplicationFilter, type ResourceType } from './replication-policy';

/**
 * Filters and destination names of replication, as Harbor applies them: doublestar patterns on
 * repository names and tags (`*` stays within a path segment, `**` crosses them, `{a,b}`, `?`,
 * `[...]`), matches/excludes, all labels of a label filter, image or any artifact.
 */

// Harbor's doublestar: no negation, no comments, no extglobs; dots are ordinary characters
const GLOB = { dot: true, nonegate: true, nocomment: true, noext: true } as const;

/** Harbor's rule: an empty pattern matches everything. */
export function matchesPattern(pattern: string, value: string): boolean {
  if (pattern === '') return true;
  // an untagged artifact is matched by its empty tag: only a pattern of stars takes it (doublestar does so)
  if (value === '') return /^\*+$/.test(pattern);
  return minimatch(value, pattern, GLOB);
}

/** What the filters see of an artifact. */
export interface FilterCandidate {
  repository: string;
  tags: string[];
  /** label names; null when the source cannot say (a remote registry) */
  labels: string[] | null;
  /** an image or an index of images */
  isImage: boolean;
}

export type FilterVerdict = { pass: true; tags: string[] } | { pass: false; reason: string };

/**
 * Applies every filter (all must pass). A tag filter keeps the matching tags only (as Harbor: only
 * they are replicated); an untagged artifact passes a tag filter of stars. A refusal says why.
 */
export function applyFilters(filters: readonly ReplicationFilter[], candidate: FilterCandidate): FilterVerdict {
  let tags = [...candidate.tags];
  for (const filter of filters) {
    switch (filter.type) {
      case 'name': {
        const hit = matchesPattern(filter.value, candidate.repository);
        if (hit !== (filter.decoration === 'matches')) {
          return { pass: false, reason: `repository ${candidate.repository} ${hit ? 'matches' : 'does not match'} the name filter ${filter.decoration} "${filter.value}"` };
        }
        break;
      }
      case 'tag': {
        if (tags.length === 0) {
          const hit = matchesPattern(filter.value, '');
          if (hit !== (filter.decoration === 'matches')) return { pass: false, reason: `it has no tag, and the tag filter ${filter.decoration} "${filter.value}" leaves untagged artifacts out` };
          break;
        }
        const kept = tags.filter((tag) => matchesPattern(filter.value, tag) === (filter.decoration === 'matches'));
        if (kept.length === 0) return { pass: false, reason: `no tag of it (${tags.join(', ')}) passes the tag filter ${filter.decoration} "${filter.value}"` };
        tags = kept;
        break;
      }
      case 'label': {
        if (candidate.labels === null) return { pass: false, reason: 'the source does not tell the labels of its artifacts, so the label filter cannot be applied' };
        const hasAll = filter.value.every((label) => candidate.labels!.includes(label));
        if (hasAll !== (filter.decoration === 'matches')) {
          return {
            pass: false,
            reason:
              filter.decoration === 'matches'
                ? `it lacks label(s) ${filter.value.filter((l) => !candidate.labels!.includes(l)).join(', ')} the label filter asks for`
                : `it carries every label the label filter excludes (${filter.value.join(', ')})`,
          };
        }
        break;
      }
      case 'resource':
        if (filter.value === 'image' && !candidate.isImage) return { pass: false, reason: 'it is not an image and the resource filter asks for images' };
        break;
    }
  }
  return { pass: true, tags };
}

/** The repository filters alone (name), to skip a repository without listing its artifacts. */
export function repositoryPasses(filters: readonly ReplicationFilter[], repository: string): boolean {
  return filters.every((f) => f.type !== 'name' || matchesPattern(f.value, repository) === (f.decoration === 'matches'));
}

/** Harbor's repository name rule, for a destination namespace. */
const NAMESPACE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

export function checkNamespace(namespace: string): void {
  if (namespace && !NAMESPACE.test(namespace)) throw new InvalidError('request', `invalid destination namespace: ${namespace}`);
}

/**
 * The destination repository of `repository` (Harbor's replaceNamespace): without a namespace the
 * path is kept; with one, -1 puts the last segment under it (the legacy flattening), 0 the whole
 * path, n the path without its n leading segments. A count beyond the path's leading segments is
 * refused (InvalidError), as Harbor refuses it.
 */
export function destinationRepository(repository: string, namespace: string, replaceCount: number): string {
  if (!namespace) return repository;
  const segments = repository.split('/');
  const name = segments[segments.length - 1];
  if (replaceCount < 0) return `${namespace}/${name}`;
  if (replaceCount > segments.length - 1) {
    throw new InvalidError(
      'request',
      `the source repository ${repository} has only ${segments.length - 1} path segment(s) before its name, but the destination namespace replaces ${replaceCount}`,
    );
  }
  return [namespace, ...segments.slice(replaceCount)].join('/');
}

/**
 * The most leading segments a replace count may drop, when the policy's filters fix the number of
 * path segments of every repository they let through (a `matches` name filter without `**` or a
 * `/` inside braces); null when that cannot be known before the run.
 */
export function maxReplaceCount(filters: readonly ReplicationFilter[]): number | null {
  let known: number | null = null;
  for (const filter of filters) {
    if (filter.type !== 'name' || filter.decoration !== 'matches' || filter.value === '') continue;
    if (filter.value.includes('**') || /\{[^}]*\/[^}]*\}/.test(filter.value)) continue;
    const segments = filter.value.split('/').length - 1;
    known = known === null ? segments : Math.min(known, segments);
  }
  return known;
}

/** Validates and normalises filters as they come from the API (Harbor's Filter.Validate, plus decoration on name filters). */
export function normaliseFilters(filters: { type?: string; value?: unknown; decoration?: string }[] | null | undefined): ReplicationFilter[] {
  return (filters ?? []).map((filter) => {
    const type = filter.type as (typeof FILTER_TYPES)[number];
    if (!FILTER_TYPES.includes(type)) throw new InvalidError('request', `invalid filter type ${String(filter.type)}; known: ${FILTER_TYPES.join(', ')}`);
    const decoration = filter.decoration ?? '';
    if (decoration !== '' && decoration !== 'matches' && decoration !== 'excludes') throw new InvalidError('request', `invalid filter decoration ${decoration}; known: matches, excludes`);
    const decorated: FilterDecoration = decoration === 'excludes' ? 'excludes' : 'matches';
    if (type === 'label') {
      if (!Array.isArray(filter.value) || filter.value.some((v) => typeof v !== 'string')) throw new InvalidError('request', 'the value of a label filter is a list of label names');
      return { type, value: [...new Set(filter.value as string[])], decoration: decorated };
    }
    if (typeof filter.value !== 'string') throw new InvalidError('request', `the value of a ${type} filter is a string`);
    if (type === 'resource') {
      if (decoration) throw new InvalidError('request', 'a resource filter takes no decoration');
      if (!RESOURCE_TYPES.includes(filter.value as ResourceType)) throw new InvalidError('request', `invalid resource filter ${filter.value}; known: ${RESOURCE_TYPES.join(', ')}`);
      return { type, value: filter.value as ResourceType };
    }
    return { type, value: filter.value.trim(), decoration: decorated };
  });
}
