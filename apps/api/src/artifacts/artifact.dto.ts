import { IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import type { AccessoryRecord, ArtifactRecord, ReferenceRecord, TagRecord } from '@wharf/artifacts';
import type { Label } from '@wharf/labels';
import type { ArtifactOverviews, SbomOverview, ScanOverview } from '@wharf/scanning';
import { PageQuery } from '../management/pagination';

/** Query strings carry text: "true"/"false" become booleans, anything else stays and fails @IsBoolean. */
const booleanText = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** What every artifact read takes (Harbor's flags). */
export class ArtifactReadQuery {
  /** default true */
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  with_tag?: boolean;

  /** fills `labels` (otherwise an empty list) */
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  with_label?: boolean;

  /** lists signatures, SBOMs and other artifacts whose subject this one is */
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  with_accessory?: boolean;

  /** fills `scan_overview` (keyed by the report mime type, as header `X-Accept-Vulnerabilities` asks) */
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  with_scan_overview?: boolean;

  /** fills `sbom_overview` */
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  with_sbom_overview?: boolean;

  /** accepted for Harbor clients; tags carry `signed` anyway */
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  with_signature?: boolean;

  /** accepted for Harbor clients; tags always carry `immutable` */
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  with_immutable_status?: boolean;
}

/**
 * GET .../artifacts: `q` takes tags (= exact, =~ substring, `tags=*` tagged, `tags=nil` untagged), type,
 * digest, media_type, push_time and pull_time (`[from~to]`, either side may be empty), label (`label=<label id>`). As Harbor, an
 * untagged manifest an index names is not listed on its own.
 */
export class ArtifactListQuery extends IntersectionType(PageQuery, ArtifactReadQuery) {}

/** POST .../artifacts?from=<project>/<repository>@<digest> (or `:<tag>`). */
export class CopyArtifactQuery {
  @IsString()
  @MinLength(3)
  @MaxLength(1024)
  from: string;
}

/** POST .../artifacts/{reference}/tags */
export class CreateTagRequest {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  name: string;
}

export class TagResponse {
  id!: number;
  repository_id!: number;
  artifact_id!: number;
  name!: string;
  push_time!: Date;
  pull_time!: Date | null;
  immutable!: boolean;
  signed!: boolean;
}

export class ReferenceResponse {
  parent_id!: number;
  child_id!: number;
  child_digest!: string;
  platform!: Record<string, unknown> | null;
  annotations!: Record<string, string>;
  urls!: string[];
}

export class AccessoryResponse {
  id!: number;
  artifact_id!: number;
  subject_artifact_id!: number;
  subject_artifact_digest!: string;
  size!: number;
  digest!: string;
  type!: string;
  icon!: string;
  creation_time!: Date;
}

/** Harbor's Artifact. */
export class ArtifactResponse {
  id!: number;
  type!: string;
  /** the config's media type (the manifest's for an index), as Harbor */
  media_type!: string;
  manifest_media_type!: string;
  artifact_type!: string | null;
  project_id!: number;
  repository_id!: number;
  repository_name!: string;
  digest!: string;
  size!: number;
  icon!: string;
  push_time!: Date;
  pull_time!: Date | null;
  extra_attrs!: Record<string, unknown>;
  annotations!: Record<string, string>;
  references!: ReferenceResponse[];
  tags?: TagResponse[];
  accessories?: AccessoryResponse[];
  /** Harbor's Label, as the labels API answers; empty unless with_label=true */
  labels!: Label[];
  /** with_scan_overview=true and a report (or a scan under way) exists: Harbor's overview keyed by report mime type */
  scan_overview?: Record<string, ScanOverview>;
  /** with_sbom_overview=true and an SBOM scan exists */
  sbom_overview?: SbomOverview;
}

export const toTagResponse = (tag: TagRecord, signed: boolean, immutable = false): TagResponse => ({
  id: tag.id,
  repository_id: tag.repository_id,
  artifact_id: tag.artifact_id,
  name: tag.name,
  push_time: tag.push_time,
  pull_time: tag.pull_time,
  immutable,
  signed,
});

export const toReferenceResponse = (r: ReferenceRecord): ReferenceResponse => ({
  parent_id: r.parent_id,
  child_id: r.child_id,
  child_digest: r.child_digest,
  platform: r.platform,
  annotations: r.annotations ?? {},
  urls: r.urls ?? [],
});

export const toAccessoryResponse = (a: AccessoryRecord): AccessoryResponse => ({ ...a, icon: '' });

export interface ArtifactParts {
  tags?: TagRecord[];
  /** tag name -> the rule making it immutable */
  immutableTags?: ReadonlyMap<string, number>;
  signed: boolean;
  references: ReferenceRecord[];
  accessories?: AccessoryRecord[];
  extraAttrs?: Record<string, unknown>;
  labels?: Label[];
  overviews?: ArtifactOverviews;
}

export function toArtifactResponse(a: ArtifactRecord, parts: ArtifactParts): ArtifactResponse {
  return {
    id: a.id,
    type: a.type,
    media_type: a.config_media_type ?? a.manifest_media_type,
    manifest_media_type: a.manifest_media_type,
    artifact_type: a.artifact_type,
    project_id: a.project_id,
    repository_id: a.repository_id,
    repository_name: a.repository_name,
    digest: a.digest,
    size: a.size,
    icon: '',
    push_time: a.push_time,
    pull_time: a.pull_time,
    extra_attrs: parts.extraAttrs ?? {},
    annotations: a.annotations ?? {},
    references: parts.references.map(toReferenceResponse),
    ...(parts.tags ? { tags: parts.tags.map((t) => toTagResponse(t, parts.signed, parts.immutableTags?.has(t.name) ?? false)) } : {}),
    ...(parts.accessories ? { accessories: parts.accessories.map(toAccessoryResponse) } : {}),
    labels: parts.labels ?? [],
    ...(parts.overviews?.scan_overview ? { scan_overview: parts.overviews.scan_overview } : {}),
    ...(parts.overviews?.sbom_overview ? { sbom_overview: parts.overviews.sbom_overview } : {}),
  };
}
