import { Injectable } from '@nestjs/common';
import { MAX_PAGE_SIZE, RegistryListingService, pageOfNames, type Page } from '@wharf/artifacts';
import { AppConfig } from '@wharf/config';
import { NotFoundError } from '@wharf/errors';
import type { RepositoryName } from '@wharf/registry-core';
import type { ProxyProject } from './proxy-project';
import { ProxyUpstreams, localCopyMaySubstitute, reviveUpstreamError, upstreamFailure } from './proxy-upstreams';
import { UpstreamCoordination } from './upstream-coordination';

/**
 * tags/list of a proxy-cache project: the upstream's tags merged with those cached here (a tag
 * the upstream dropped stays listed while its copy is kept); only the cached ones when the
 * upstream fails. Sorted and paginated like any tag list.
 */
@Injectable()
export class ProxyTags {
  constructor(
    private readonly upstreams: ProxyUpstreams,
    private readonly coordination: UpstreamCoordination,
    private readonly listings: RegistryListingService,
    private readonly config: AppConfig,
  ) {}

  async list(project: ProxyProject, repository: RepositoryName, n: number | undefined, last: string | undefined): Promise<Page<string>> {
    const limit = Math.min(n ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const cached = await this.cachedTags(repository);
    let upstream: string[] | null = null;
    try {
      upstream = await this.coordination.shared(
        `tags:${project.registryId}:${repository.name}`,
        this.config.PROXY_UPSTREAM_TIMEOUT_SECONDS * 1000 + 5_000,
        () => this.upstreams.with(project, repository, 'tags_list', (call) => call.upstream.listTags(call.name)),
        reviveUpstreamError,
      );
    } catch (error) {
      if (cached === null || !localCopyMaySubstitute(error)) throw upstreamFailure(project, error);
    }
    if (cached === null && upstream === null) throw new NotFoundError('repository', 'repository name not known to registry or its upstream', { details: { name: repository.name } });
    const merged = [...new Set([...(upstream ?? []), ...(cached ?? [])])].sort(byteOrder).filter((tag) => last === undefined || byteOrder(tag, last) > 0);
    return pageOfNames(merged, limit);
  }

  /** Every tag cached here; null when nothing of the repository is. */
  private async cachedTags(repository: RepositoryName): Promise<string[] | null> {
    const tags: string[] = [];
    let last: string | undefined;
    try {
      for (;;) {
        const page = await this.listings.tags(repository.name, MAX_PAGE_SIZE, last);
        tags.push(...page.items);
        if (!page.next) return tags;
        last = page.next;
      }
    } catch (error) {
      if (error instanceof NotFoundError && error.subject === 'repository') return null;
      throw error;
    }
  }
}

// the order the distribution spec's `last` parameter assumes (Postgres' COLLATE "C")
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
