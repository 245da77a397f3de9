/**
 * Shapes of the api's answers, as its DTOs (apps/api/src/**\/*.dto.ts) write them. The OpenAPI document
 * types requests but not answers, so these are kept by hand; each names the DTO it mirrors.
 */

/** users/user.dto.ts UserResponse */
export interface User {
  user_id: number;
  username: string;
  email: string;
  realname: string;
  comment: string;
  sysadmin_flag: boolean;
  creation_time: string;
  update_time: string;
}

/** projects: ProjectResponse (Harbor's Project) */
export interface Project {
  project_id: number;
  name: string;
  owner_id: number | null;
  owner_name: string;
  registry_id: number | null;
  creation_time: string;
  update_time: string;
  repo_count: number;
  metadata: Record<string, string>;
  cve_allowlist?: { items: { cve_id: string }[]; expires_at: number | null };
  current_user_role_id: number;
  current_user_role_ids: number[];
}

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
export interface Repository {
  id: number;
  project_id: number;
  name: string;
  description: string;
  artifact_count: number;
  pull_count: number;
  creation_time: string;
  update_time: string;
}

/** labels: Label */
export interface Label {
  id: number;
  name: string;
  description: string;
  color: string;
  scope: 'g' | 'p';
  project_id: number;
  creation_time?: string;
}

/** artifacts/artifact.dto.ts TagResponse */
export interface Tag {
  id: number;
  repository_id: number;
  artifact_id: number;
  name: string;
  push_time: string;
  pull_time: string | null;
  immutable: boolean;
  signed: boolean;
}

/** artifacts/artifact.dto.ts ReferenceResponse: an index's child with its platform */
export interface ArtifactReference {
  parent_id: number;
  child_id: number;
  child_digest: string;
  platform: { architecture?: string; os?: string; variant?: string; 'os.version'?: string } | null;
  annotations: Record<string, string>;
}

/** artifacts/artifact.dto.ts AccessoryResponse: a signature, SBOM or other artifact whose subject this one is */
export interface Accessory {
  id: number;
  artifact_id: number;
  subject_artifact_id: number;
  subject_artifact_digest: string;
  size: number;
  digest: string;
  type: string;
  creation_time: string;
}

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
