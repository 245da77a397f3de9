/**
 * Shapes of the api's answers. Where the api's OpenAPI document describes an answer exactly, the
 * type is its schema (generated into schema.d.ts, so it cannot drift from the DTO). The others are
 * kept by hand, each naming the DTO it mirrors, because their schema is looser than the answer:
 * nested arrays of objects the document types as `Record<string, never>[]` (an artifact's labels
 * and scan overview), or counts it marks optional that the page needs (the project summary).
 */
import type { components } from './schema';

type Schemas = components['schemas'];

/** users/user.dto.ts UserResponse */
export type User = Schemas['UserResponse'];

/** projects: ProjectResponse (Harbor's Project) */
export type Project = Schemas['ProjectResponse'];

/** projects: GET /projects/{p}/summary */
export interface ProjectSummary {
  repo_count: number;
  project_admin_count: number;
  maintainer_count: number;
  developer_count: number;
  guest_count: number;
  limited_guest_count: number;
  quota?: { hard: { storage: number }; used: { storage: number } };
  registry_id: number | null;
}

/** repositories: RepositoryResponse */
export type Repository = Schemas['RepositoryResponse'];

/** labels: Label */
export type Label = Schemas['LabelResponse'];

/** artifacts/artifact.dto.ts TagResponse */
export type Tag = Schemas['TagResponse'];

/** artifacts/artifact.dto.ts ReferenceResponse: an index's child with its platform */
export type ArtifactReference = Schemas['ReferenceResponse'];

/** artifacts/artifact.dto.ts AccessoryResponse: a signature, SBOM or other artifact whose subject this one is */
export type Accessory = Schemas['AccessoryResponse'];

export type ScanStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';

/** libs/scanning scan-report.ts ScanOverview */
export interface ScanOverview {
  report_id: string;
  scan_status: ScanStatus;
  severity?: string;
  duration?: number;
  summary?: { total: number; fixable: number; summary: Record<string, number> };
  start_time?: string;
  end_time?: string;
  complete_percent: number;
  scanner?: { name: string; vendor: string; version: string };
}

/** libs/scanning scan-overview.ts SbomOverview */
export interface SbomOverview {
  report_id: string;
  scan_status: ScanStatus;
  sbom_digest?: string;
  duration: number;
  start_time?: string;
  end_time?: string;
}

/** artifacts/artifact.dto.ts ArtifactResponse */
export interface Artifact {
  id: number;
  type: string;
  media_type: string;
  manifest_media_type: string;
  artifact_type: string | null;
  project_id: number;
  repository_id: number;
  repository_name: string;
  digest: string;
  size: number;
  push_time: string;
  pull_time: string | null;
  extra_attrs: Record<string, unknown>;
  annotations: Record<string, string>;
  references: ArtifactReference[];
  tags?: Tag[];
  accessories?: Accessory[];
  labels: Label[];
  scan_overview?: Record<string, ScanOverview>;
  sbom_overview?: SbomOverview;
}
