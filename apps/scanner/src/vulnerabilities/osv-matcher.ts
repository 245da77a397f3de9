import { Injectable } from '@nestjs/common';
import type { InstalledPackage, Inventory } from '../inventory/inventory';
import { evaluateAffected } from './affected-ranges';
import { isSeverity, maxSeverity } from './advisory-severity';
import { AdvisoryStore, type StoredMatch } from './advisory-store';
import { isDistributionEcosystem, orderingOf, osvCoordinatesOf, type OsvCoordinates } from './osv-ecosystems';
import type { Severity, VulnerabilityFinding, VulnerabilityMatcher } from './vulnerability-finding';
import { semverOrdering } from './versions/semver-version';
import { goOrdering } from './versions/go-version';

/**
 * Matches an inventory against the imported OSV advisories (VulnerabilityMatcher): one query for
 * every package of the inventory, version ranges evaluated here with the ecosystem's ordering.
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
    const byPackage = new Map<string, StoredMatch[]>();
    for (const row of await this.store.findAffected([...keys.values()])) {
      const key = keyOf(row.ecosystem, row.name);
      byPackage.set(key, [...(byPackage.get(key) ?? []), row]);
    }

    const findings: VulnerabilityFinding[] = [];
    for (const { pkg, at } of located) {
      const ordering = orderingOf(at.ecosystem)!;
      const semver = at.ecosystem === 'Go' ? goOrdering : semverOrdering;
      const merged = new Map<string, VulnerabilityFinding>();
      for (const row of byPackage.get(keyOf(at.ecosystem, at.name)) ?? []) {
        const verdict = evaluateAffected({ ranges: row.ranges, versions: row.versions }, at.version, ordering, semver);
        if (!verdict.affected) continue;
        const ids = row.cve_ids.length ? row.cve_ids : [dedupeKeyOf(row)];
        for (const key of ids) {
          const finding = this.findingOf(pkg, row, row.cve_ids.length ? key : row.id, verdict.fixVersion, at.ecosystem);
          const earlier = merged.get(key);
          merged.set(key, earlier ? mergeFindings(earlier, finding, ordering) : finding);
        }
      }
      findings.push(...merged.values());
    }
    return findings;
  }

  private findingOf(pkg: InstalledPackage, row: StoredMatch, id: string, fixVersion: string | undefined, ecosystem: string): VulnerabilityFinding {
    const cvss = isSeverity(row.cvss_severity) ? row.cvss_severity : null;
    const vendor = isSeverity(row.vendor_severity) ? row.vendor_severity : null;
    const severity: Severity = (isDistributionEcosystem(ecosystem) ? (vendor ?? cvss) : (cvss ?? vendor)) ?? 'Unknown';
    const preferred = {
      ...(row.cvss_v3_score !== null ? { score_v3: row.cvss_v3_score, vector_v3: row.cvss_v3_vector ?? undefined } : {}),
      ...(row.cvss_v2_score !== null ? { score_v2: row.cvss_v2_score, vector_v2: row.cvss_v2_vector ?? undefined } : {}),
    };
    return {
      id,
      package: pkg,
      ...(fixVersion ? { fixVersion } : {}),
      severity,
      description: row.description,
      links: row.links,
      cweIds: row.cwe_ids,
      ...(Object.keys(preferred).length ? { preferredCvss: preferred } : {}),
      advisoryId: row.id,
    };
  }
}

const keyOf = (ecosystem: string, name: string) => `${ecosystem}\u0000${name}`;

/** Without a CVE, two records are one vulnerability when they alias each other (GHSA-x and PYSEC-y): key by the first id of the set. */
function dedupeKeyOf(row: StoredMatch): string {
  return [row.id, ...row.aliases].sort()[0];
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
