import { Injectable } from '@nestjs/common';
import type { InstalledPackage, Inventory } from '../inventory/inventory';
import { evaluateAffected } from './affected-ranges';
import { isSeverity, maxSeverity } from './advisory-severity';
import { AdvisoryStore, type StoredAdvisory, type StoredAffected } from './advisory-store';
import { isDistributionEcosystem, orderingOf, osvCoordinatesOf, type OsvCoordinates } from './osv-ecosystems';
import type { Severity, VulnerabilityFinding, VulnerabilityMatcher } from './vulnerability-finding';
import { semverOrdering } from './versions/semver-version';
import { goOrdering } from './versions/go-version';

/**
 * Matches an inventory against the imported OSV advisories (VulnerabilityMatcher): one query for
 * the affected entries of every package of the inventory, version ranges evaluated here with the
 * ecosystem's ordering, and one for the details of the advisories that apply.
 *
 * A finding's id is the CVE when the advisory names one (as Trivy reports), the advisory's own id
 * otherwise; an advisory naming several CVEs (a DSA) gives one finding per CVE. One CVE reported
 * for one package by two advisories (DSA-5343-1 and DEBIAN-CVE-2023-0286) is one finding: the
 * highest severity, the highest fix version (the one that fixes every report), links and CWE ids
 * of both. Severity: a distribution's own rating first (Debian's urgency, Ubuntu's priority:
 * what Trivy reports for OS packages), then CVSS; for language packages CVSS first, then the
 * database's rating (GitHub's).
 */
@Injectable()
export class OsvMatcher implements VulnerabilityMatcher {
  constructor(private readonly store: AdvisoryStore) {}

  async databaseUpdatedAt(): Promise<Date | null> {
    return (await this.store.state()).dataUpdatedAt;
  }

  async match(inventory: Inventory): Promise<VulnerabilityFinding[]> {
    const located = inventory.packages
      .map((pkg) => ({ pkg, at: osvCoordinatesOf(pkg, inventory.os) }))
      .filter((p): p is { pkg: InstalledPackage; at: OsvCoordinates } => p.at !== null && orderingOf(p.at.ecosystem) !== null);
    const keys = new Map(located.map(({ at }) => [keyOf(at.ecosystem, at.name), { ecosystem: at.ecosystem, name: at.name }]));
    const byPackage = new Map<string, StoredAffected[]>();
    for (const row of await this.store.findAffected([...keys.values()])) {
      const key = keyOf(row.ecosystem, row.name);
      const rows = byPackage.get(key);
      if (rows) rows.push(row);
      else byPackage.set(key, [row]);
    }

    // evaluate every range first; only the advisories that apply are read in full (a second query)
    const hits: { pkg: InstalledPackage; at: OsvCoordinates; row: StoredAffected; fixVersion?: string }[] = [];
    for (const { pkg, at } of located) {
      const ordering = orderingOf(at.ecosystem)!;
      const semver = at.ecosystem === 'Go' ? goOrdering : semverOrdering;
      for (const row of byPackage.get(keyOf(at.ecosystem, at.name)) ?? []) {
        const verdict = evaluateAffected({ ranges: row.ranges, versions: row.versions }, at.version, ordering, semver);
        if (verdict.affected) hits.push({ pkg, at, row, fixVersion: verdict.fixVersion });
      }
    }
    const advisories = await this.store.findAdvisories([...new Set(hits.map((hit) => hit.row.advisory_id))]);

    const perPackage = new Map<InstalledPackage, Map<string, VulnerabilityFinding>>();
    for (const { pkg, at, row, fixVersion } of hits) {
      const advisory = advisories.get(row.advisory_id);
      if (!advisory) continue; // replaced by an import meanwhile
      const merged = perPackage.get(pkg) ?? new Map<string, VulnerabilityFinding>();
      perPackage.set(pkg, merged);
      const ordering = orderingOf(at.ecosystem)!;
      for (const key of advisory.cve_ids.length ? advisory.cve_ids : [dedupeKeyOf(advisory)]) {
        const finding = this.findingOf(pkg, advisory, row, advisory.cve_ids.length ? key : advisory.id, fixVersion, at.ecosystem);
        const earlier = merged.get(key);
        merged.set(key, earlier ? mergeFindings(earlier, finding, ordering) : finding);
      }
    }
    return [...perPackage.values()].flatMap((merged) => [...merged.values()]);
  }

  private findingOf(pkg: InstalledPackage, advisory: StoredAdvisory, row: StoredAffected, id: string, fixVersion: string | undefined, ecosystem: string): VulnerabilityFinding {
    const cvss = isSeverity(advisory.cvss_severity) ? advisory.cvss_severity : null;
    const vendor = isSeverity(row.vendor_severity) ? row.vendor_severity : null;
    const severity: Severity = (isDistributionEcosystem(ecosystem) ? (vendor ?? cvss) : (cvss ?? vendor)) ?? 'Unknown';
    const preferred = {
      ...(advisory.cvss_v3_score !== null ? { score_v3: advisory.cvss_v3_score, vector_v3: advisory.cvss_v3_vector ?? undefined } : {}),
      ...(advisory.cvss_v2_score !== null ? { score_v2: advisory.cvss_v2_score, vector_v2: advisory.cvss_v2_vector ?? undefined } : {}),
    };
    return {
      id,
      package: pkg,
      ...(fixVersion ? { fixVersion } : {}),
      severity,
      description: advisory.description,
      links: advisory.links,
      cweIds: advisory.cwe_ids,
      ...(Object.keys(preferred).length ? { preferredCvss: preferred } : {}),
      advisoryId: advisory.id,
    };
  }
}

const keyOf = (ecosystem: string, name: string) => `${ecosystem}\u0000${name}`;

/** Without a CVE, two records are one vulnerability when they alias each other (GHSA-x and PYSEC-y): key by the first id of the set. */
function dedupeKeyOf(advisory: StoredAdvisory): string {
  return [advisory.id, ...advisory.aliases].sort()[0];
}

function mergeFindings(a: VulnerabilityFinding, b: VulnerabilityFinding, ordering: NonNullable<ReturnType<typeof orderingOf>>): VulnerabilityFinding {
  // the finding keeps the advisory with the better data: a CVSS score, else the first seen
  const [primary, secondary] = !a.preferredCvss && b.preferredCvss ? [b, a] : [a, b];
  return {
    ...primary,
    severity: maxSeverity(a.severity, b.severity),
    fixVersion: higherFix(a.fixVersion, b.fixVersion, ordering),
    links: [...new Set([...primary.links, ...secondary.links])],
    cweIds: [...new Set([...primary.cweIds, ...secondary.cweIds])],
    description: primary.description || secondary.description,
  };
}

function higherFix(a: string | undefined, b: string | undefined, ordering: NonNullable<ReturnType<typeof orderingOf>>): string | undefined {
  if (!a || !b) return a ?? b;
  const left = ordering.parse(a);
  const right = ordering.parse(b);
  if (left === null || right === null) return a;
  return ordering.compare(left, right) >= 0 ? a : b;
}
