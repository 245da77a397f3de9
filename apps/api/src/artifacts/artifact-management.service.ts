import { Injectable } from '@nestjs/common';
import {
  ArtifactAdditionsService,
  ArtifactQueries,
  CopyArtifactCommand,
  DeleteArtifactCommand,
  RepositoryService,
  TagCommands,
  type Addition,
  type ArtifactRecord,
  type AccessoryRecord,
  type ArtifactSource,
  type ReferenceRecord,
  type RepositoryRecord,
  type TagRecord,
} from '@wharf/artifacts';
import { ApiError } from '../management/api-error';
import { ImmutableTagGuard } from '@wharf/immutability';
import { LabelService, type Label } from '@wharf/labels';
import { principalName, type Permission, type Principal } from '@wharf/iam';
import { acceptedVulnerabilityMimeTypes, ArtifactScanReports, type ArtifactOverviews, type ReportRegistration } from '@wharf/scanning';
import { isDigest, isValidTag } from '@wharf/registry-core';
import type { Actor } from '../management/current-actor.decorator';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf, type PageQuery } from '../management/pagination';
import { ProjectAuthorizer } from '../management/project-authorizer';
import { fullRepositoryName } from '../repositories/repository-path';
import { artifactFilter } from './artifact-query';
import { toArtifactResponse, toTagResponse, type ArtifactListQuery, type ArtifactReadQuery, type ArtifactResponse, type TagResponse } from './artifact.dto';

/** Where a /projects/{p}/repositories/{r}/artifacts route acts: the raw path parameters. */
export interface ArtifactPath {
  project: string;
  /** URL-encoded once more, as Harbor's paths carry it */
  repository: string;
}

/**
 * Who may do what with artifacts and tags (Harbor's artifact:* and tag:* permissions; a copy
 * needs pull on the source and push on the destination), and the Harbor-shaped answers.
 * Deletes, copies and tag changes write their events (libs/artifacts), from which the audit log
 * derives its entries.
 */
@Injectable()
export class ArtifactManagementService {
  constructor(
    private readonly artifacts: ArtifactQueries,
    private readonly deletion: DeleteArtifactCommand,
    private readonly copies: CopyArtifactCommand,
    private readonly tags: TagCommands,
    private readonly additions: ArtifactAdditionsService,
    private readonly repositories: RepositoryService,
    private readonly authorizer: ProjectAuthorizer,
    private readonly labels: LabelService,
    private readonly immutability: ImmutableTagGuard,
    private readonly reports: ArtifactScanReports,
  ) {}

  /** @param acceptVulnerabilities header `X-Accept-Vulnerabilities` (which report mime types `scan_overview` may name) */
  async list(principal: Principal, path: ArtifactPath, query: ArtifactListQuery, acceptVulnerabilities?: string): Promise<{ items: ArtifactResponse[]; total: number }> {
    const filter = artifactFilter(query.q);
    const { project } = await this.authorizer.require(principal, path.project, 'artifact:list', true);
    // the repository is found by the listing's own statement (one round trip fewer than `repository()`)
    const name = fullRepositoryName(project.name, path.repository);
    const { items, total } = await this.artifacts.list({ projectId: project.project_id, name }, { ...filter, offset: offsetOf(query), limit: query.page_size });
    return { items: await this.describe(project.project_id, name, items, query, acceptVulnerabilities), total };
  }

  async get(principal: Principal, path: ArtifactPath, reference: string, query: ArtifactReadQuery, acceptVulnerabilities?: string): Promise<ArtifactResponse> {
    const { projectId, repository } = await this.repository(principal, path, 'artifact:read');
    const artifact = await this.artifacts.get(repository.id, reference);
    const [described, extraAttrs] = await Promise.all([this.describe(projectId, repository.name, [artifact], query, acceptVulnerabilities), this.additions.extraAttrs(artifact)]);
    return { ...described[0], extra_attrs: extraAttrs };
  }

  /**
   * GET .../additions/vulnerabilities: `{<report mime type>: <report>}` for the first type of
   * `X-Accept-Vulnerabilities` with a report (Harbor's default: v1.1, then Harbor's v1.0); an
   * index answers its children's reports merged.
   */
  async vulnerabilities(principal: Principal, path: ArtifactPath, reference: string, acceptVulnerabilities?: string): Promise<Record<string, unknown>> {
    const { projectId, repository } = await this.repository(principal, path, 'artifact:read');
    const artifact = await this.artifacts.get(repository.id, reference);
    const children = artifact.config_media_type === null ? ((await this.artifacts.referencesOf([artifact.id])).get(artifact.id) ?? []).map((r) => r.child_digest) : [];
    return this.reports.vulnerabilities(projectId, { digest: artifact.digest, children }, acceptedVulnerabilityMimeTypes(acceptVulnerabilities));
  }

  /** build_history (images), readme.md / values.yaml / dependencies (charts), readme / license / files (models). */
  async addition(principal: Principal, path: ArtifactPath, reference: string, name: string): Promise<Addition> {
    const { repository } = await this.repository(principal, path, 'artifact:read');
    return this.additions.addition(await this.artifacts.get(repository.id, reference), name);
  }

  async delete(actor: Actor, path: ArtifactPath, reference: string): Promise<void> {
    const { repository } = await this.repository(actor.principal, path, 'artifact:delete');
    await this.deletion.delete(repository.name, reference, 'management', principalName(actor.principal));
  }

  /** @returns the digest of the copy */
  async copy(actor: Actor, path: ArtifactPath, from: string): Promise<string> {
    const source = parseSource(from);
    // the destination first: a caller who may not push there learns nothing about the source
    const { project } = await this.authorizer.require(actor.principal, path.project, 'repository:push', true);
    const destination = fullRepositoryName(project.name, path.repository);
    const sourceProject = await this.authorizer.require(actor.principal, source.project, 'repository:pull', true);
    const copied = await this.copies.copy({ ...source, project: sourceProject.project.name }, { projectId: project.project_id, repository: destination }, principalName(actor.principal));
    return copied.digest;
  }

  async listTags(principal: Principal, path: ArtifactPath, reference: string, query: PageQuery): Promise<{ items: TagResponse[]; total: number }> {
    parseHarborQuery(query.q, []);
    const { repository } = await this.repository(principal, path, 'tag:list');
    const artifact = await this.artifacts.get(repository.id, reference);
    const tags = (await this.artifacts.tagsOf([artifact.id], { offset: offsetOf(query), limit: query.page_size })).get(artifact.id) ?? [];
    const [signedIds, immutable] = await Promise.all([this.artifacts.signedIds([artifact]), this.immutability.immutableTags(repository.name, tags.map((t) => t.name))]);
    const signed = signedIds.has(artifact.id);
    return { items: tags.map((tag) => toTagResponse(tag, signed, immutable.has(tag.name))), total: await this.artifacts.countTags(artifact.id) };
  }

  async createTag(actor: Actor, path: ArtifactPath, reference: string, name: string): Promise<void> {
    const { repository } = await this.repository(actor.principal, path, 'tag:create');
    await this.tags.add(repository.id, repository.name, reference, name, principalName(actor.principal));
  }

  async deleteTag(actor: Actor, path: ArtifactPath, reference: string, name: string): Promise<void> {
    const { repository } = await this.repository(actor.principal, path, 'tag:delete');
    await this.tags.removeFromArtifact(repository.id, repository.name, reference, name, principalName(actor.principal));
  }

  /** Tags (with their immutability), references, accessories and labels of a page of artifacts, in a few queries for the whole page. */
  private async describe(projectId: number, repositoryName: string, items: ArtifactRecord[], query: ArtifactReadQuery, acceptVulnerabilities?: string): Promise<ArtifactResponse[]> {
    const ids = items.map((a) => a.id);
    const withTag = query.with_tag ?? true;
    // the project's scanner does not depend on the page: looked up beside its tags and accessories, not after them
    const registration = items.length && (query.with_scan_overview || query.with_sbom_overview) ? this.reports.registrationFor(projectId) : undefined;
    registration?.catch(() => undefined); // awaited by overviews(); a failure of the batch below must not leave it unhandled
    const [tags, references, accessories, labels] = await Promise.all([
      withTag ? this.artifacts.tagsOf(ids) : Promise.resolve(new Map<number, TagRecord[]>()),
      this.artifacts.referencesOf(ids.filter((_id, i) => items[i].config_media_type === null)),
      this.artifacts.accessoriesOf(items),
      query.with_label ? this.labels.labelsOf(ids) : Promise.resolve(new Map<number, Label[]>()),
    ]);
    const [immutable, overviews] = await Promise.all([
      this.immutability.immutableTags(repositoryName, [...new Set([...tags.values()].flat().map((t) => t.name))]),
      this.overviews(projectId, items, references, accessories, query, acceptVulnerabilities, registration),
    ]);
    return items.map((a) => {
      const own = accessories.get(a.id) ?? [];
      return toArtifactResponse(a, {
        tags: withTag ? (tags.get(a.id) ?? []) : undefined,
        immutableTags: immutable,
        signed: own.some((x) => x.type.startsWith('signature.')),
        references: references.get(a.id) ?? [],
        accessories: query.with_accessory ? own : undefined,
        labels: labels.get(a.id) ?? [],
        overviews: overviews.get(a.id),
      });
    });
  }

  /** scan_overview and sbom_overview of the page, in one read of its reports (an index through its children). */
  private overviews(
    projectId: number,
    items: ArtifactRecord[],
    references: Map<number, ReferenceRecord[]>,
    accessories: Map<number, AccessoryRecord[]>,
    query: ArtifactReadQuery,
    acceptVulnerabilities?: string,
    registration?: Promise<ReportRegistration | null>,
  ): Promise<Map<number, ArtifactOverviews>> {
    if (!query.with_scan_overview && !query.with_sbom_overview) return Promise.resolve(new Map());
    const subjects = items.map((a) => {
      const children = (references.get(a.id) ?? []).map((r) => r.child_digest);
      const sbom = (accessories.get(a.id) ?? []).filter((x) => x.type === 'harbor.sbom').sort((x, y) => y.creation_time.getTime() - x.creation_time.getTime())[0];
      return { id: a.id, digest: a.digest, children: children.length ? children : undefined, sbomAccessoryDigest: sbom?.digest };
    });
    return this.reports.overviews(projectId, subjects, {
      withScanOverview: query.with_scan_overview ?? false,
      withSbomOverview: query.with_sbom_overview ?? false,
      mimeTypes: acceptedVulnerabilityMimeTypes(acceptVulnerabilities),
      registration,
    });
  }

  private async repository(principal: Principal, path: ArtifactPath, wanted: Permission): Promise<{ projectId: number; repository: Pick<RepositoryRecord, 'id' | 'name'> }> {
    const { project } = await this.authorizer.require(principal, path.project, wanted, true);
    return { projectId: project.project_id, repository: await this.repositories.locate(project.project_id, fullRepositoryName(project.name, path.repository)) };
  }
}

/** `<project>/<repository>@<digest>` or `<project>/<repository>:<tag>`. */
export function parseSource(from: string): ArtifactSource {
  const at = from.lastIndexOf('@');
  let name: string;
  let reference: string;
  if (at >= 0) {
    name = from.slice(0, at);
    reference = from.slice(at + 1);
    if (!isDigest(reference)) throw new ApiError('BAD_REQUEST', `from: "${reference}" is not a digest`);
  } else {
    const colon = from.lastIndexOf(':');
    if (colon < 0 || from.indexOf('/', colon) >= 0) throw new ApiError('BAD_REQUEST', 'from must be <project>/<repository>@<digest> or <project>/<repository>:<tag>');
    name = from.slice(0, colon);
    reference = from.slice(colon + 1);
    if (!isValidTag(reference)) throw new ApiError('BAD_REQUEST', `from: "${reference}" is not a valid tag`);
  }
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) throw new ApiError('BAD_REQUEST', 'from must name <project>/<repository>');
  return { project: name.slice(0, slash), repository: name.slice(slash + 1), reference };
}
