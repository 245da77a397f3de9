import { Injectable } from '@nestjs/common';
import { ArtifactQueries, isSignature, type ArtifactRecord } from '@wharf/artifacts';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { ScanReportQueries } from '@wharf/scanning';
import { minimatch } from 'minimatch';
import type { PolicyFilter, PreheatPolicy } from './preheat-policy';

const GLOB = { dot: true, nonegate: true, nocomment: true } as const;
/** Harbor's severity names as project metadata spells them, to codes (CONTRACTS.md section 4). */
const SEVERITY_CODES: Record<string, number> = { none: 0, unknown: 0, negligible: 1, low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAMES = ['None/Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical'];
const OLD_COSIGN_TAG = /^sha256-[0-9a-f]{64}\.(sig|att|sbom)$/;

/** One artifact to preheat: the task hands over `tag`, the first of its tags the policy selects. */
export interface PreheatCandidate {
  artifactId: number;
  /** `<project>/<repo>` */
  repository: string;
  digest: string;
  mediaType: string;
  tag: string;
  /** every tag of the artifact the tag filter selects */
  tags: string[];
}

/** An artifact of the project the policy does not preheat, and the filter (or rule) that excluded it. */
export interface ExcludedArtifact {
  repository: string;
  digest: string;
  tags: string[];
  /** repository, tag, label, signature, vulnerability (the policy's); project.signature, project.prevent_vul (the project's); untagged, accessory */
  excluded_by: string;
  reason: string;
}

export interface Selection {
  selected: PreheatCandidate[];
  excluded: ExcludedArtifact[];
}

interface ArtifactRow {
  id: number;
  repository_name: string;
  digest: string;
  media_type: string;
  subject_digest: string | null;
  tags: string[];
  labels: string[];
}

/**
 * Which artifacts of a project a preheat policy selects now, in Harbor's order (repository, tag,
 * label, signature, vulnerability), then the project's own rules on top: `enable_content_trust`
 * or `enable_content_trust_cosign` require a signature (a cosign or notation accessory), and
 * `prevent_vul` with `severity` requires the highest severity to be below it. The severity is the
 * scan report's in force (libs/scanning; an index's is its children's highest); an artifact
 * without a successful report has no known severity (Harbor's code 99), so a vulnerability
 * filter, or `prevent_vul`, never selects it. Run and preview
 * use this one function, so the preview shows exactly what a run would send.
 */
@Injectable()
export class PreheatCandidates {
  constructor(
    private readonly sql: SqlClient,
    private readonly artifacts: ArtifactQueries,
    private readonly reports: ScanReportQueries,
  ) {}

  /** `only`: just this artifact (an event-based run for a push). */
  async select(policy: PreheatPolicy, only?: { repository: string; digest: string }, db: SqlExecutor = this.sql): Promise<Selection> {
    const rows = await db.query<ArtifactRow>(
      `SELECT a.id, a.repository_name, a.digest, a.media_type, a.subject_digest,
              COALESCE((SELECT array_agg(t.name ORDER BY t.name) FROM tag t WHERE t.artifact_id = a.id), '{}') AS tags,
              COALESCE((SELECT array_agg(l.name ORDER BY l.name) FROM artifact_label al JOIN label l ON l.id = al.label_id WHERE al.artifact_id = a.id), '{}') AS labels
         FROM artifact a
        WHERE a.project_id = $1 AND ($2::text IS NULL OR (a.repository_name = $2 AND a.digest = $3))
        ORDER BY a.repository_name, a.push_time, a.id`,
      [policy.projectId, only?.repository ?? null, only?.digest ?? null],
    );
    const filters = [...policy.filters.map((filter) => ({ filter, source: 'policy' as const })), ...(await this.projectRules(policy.projectId, db))];
    const needsSignatures = filters.some((f) => f.filter.type === 'signature' && f.filter.value === true);
    const signed = needsSignatures ? await this.signed(rows) : new Set<number>();
    const needsSeverities = filters.some((f) => f.filter.type === 'vulnerability');
    const severities = needsSeverities ? await this.reports.highestSeverities(rows.map((r) => Number(r.id)), db) : new Map<number, number | undefined>();
    const selection: Selection = { selected: [], excluded: [] };
    for (const row of rows) {
      const exclude = (excluded_by: string, reason: string) => selection.excluded.push({ repository: row.repository_name, digest: row.digest, tags: row.tags, excluded_by, reason });
      if (row.subject_digest || (row.tags.length > 0 && row.tags.every((t) => OLD_COSIGN_TAG.test(t)))) {
        exclude('accessory', 'an accessory (signature, SBOM, attestation) of another artifact; it is not preheated on its own');
        continue;
      }
      if (row.tags.length === 0) {
        exclude('untagged', 'no tag: a preheat task names the artifact by tag');
        continue;
      }
      let tags = row.tags;
      let excluded = false;
      for (const { filter, source } of filters) {
        const by = source === 'policy' ? filter.type : `project.${filter.type === 'signature' ? 'signature' : 'prevent_vul'}`;
        const verdict = judge(filter, row, tags, signed, severities);
        if (verdict.ok) {
          tags = verdict.tags ?? tags;
          continue;
        }
        exclude(by, verdict.reason);
        excluded = true;
        break;
      }
      if (excluded) continue;
      selection.selected.push({ artifactId: row.id, repository: row.repository_name, digest: row.digest, mediaType: row.media_type, tag: tags[0], tags });
    }
    return selection;
  }

  /** The project's own rules, as Harbor's enforcer adds them to every policy of the project. */
  private async projectRules(projectId: number, db: SqlExecutor): Promise<{ filter: PolicyFilter; source: 'project' }[]> {
    const rows = await db.query<{ name: string; value: string | null }>(
      `SELECT name, value FROM project_metadata WHERE project_id = $1 AND name IN ('enable_content_trust', 'enable_content_trust_cosign', 'prevent_vul', 'severity')`,
      [projectId],
    );
    const meta = new Map(rows.map((r) => [r.name, r.value ?? '']));
    const rules: { filter: PolicyFilter; source: 'project' }[] = [];
    if (meta.get('enable_content_trust') === 'true' || meta.get('enable_content_trust_cosign') === 'true') rules.push({ filter: { type: 'signature', value: true }, source: 'project' });
    const code = SEVERITY_CODES[(meta.get('severity') ?? '').toLowerCase()];
    if (meta.get('prevent_vul') === 'true' && code !== undefined) rules.push({ filter: { type: 'vulnerability', value: code }, source: 'project' });
    return rules;
  }

  private async signed(rows: ArtifactRow[]): Promise<Set<number>> {
    // accessoriesOf reads the subjects' ids only
    const accessories = await this.artifacts.accessoriesOf(rows.map((r) => ({ id: r.id }) as ArtifactRecord));
    return new Set([...accessories].filter(([, list]) => list.some((a) => isSignature(a.type))).map(([id]) => id));
  }
}

type Verdict = { ok: true; tags?: string[] } | { ok: false; reason: string };

function judge(filter: PolicyFilter, row: ArtifactRow, tags: string[], signed: Set<number>, severities: Map<number, number | undefined>): Verdict {
  switch (filter.type) {
    case 'repository': {
      // Harbor matches the repository's path inside the project
      const path = row.repository_name.slice(row.repository_name.indexOf('/') + 1);
      return minimatch(path, filter.value, GLOB) ? { ok: true } : { ok: false, reason: `repository ${path} does not match ${filter.value}` };
    }
    case 'tag': {
      const matching = tags.filter((t) => minimatch(t, filter.value, GLOB));
      return matching.length ? { ok: true, tags: matching } : { ok: false, reason: `no tag (${tags.join(', ')}) matches ${filter.value}` };
    }
    case 'label': {
      const wanted = filter.value.split(',').map((l) => l.trim()).filter(Boolean);
      const missing = wanted.filter((l) => !row.labels.includes(l));
      return missing.length === 0 ? { ok: true } : { ok: false, reason: `label(s) ${missing.join(', ')} not attached` };
    }
    case 'signature':
      if (!filter.value || signed.has(row.id)) return { ok: true };
      return { ok: false, reason: 'not signed (no cosign or notation signature accessory)' };
    case 'vulnerability': {
      const code = severities.get(Number(row.id));
      // no successful scan report: the severity is unknown (Harbor's code 99), never below the bound
      if (code === undefined) return { ok: false, reason: `no scan report: the highest severity is unknown, not below ${filter.value}` };
      if (code < filter.value) return { ok: true };
      return { ok: false, reason: `the highest severity is ${SEVERITY_NAMES[code]} (${code}), not below ${filter.value}` };
    }
  }
}
