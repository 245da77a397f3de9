import type { AppConfig } from '@wharf/config';
import type { SqlClient } from '@wharf/db';
import { inventorySourceFor } from '../inventory/inventory-collector.factory';
import { cycloneDxOf } from '../sbom/cyclonedx';
import type { SbomSubject } from '../sbom/sbom-subject';
import { spdxOf } from '../sbom/spdx';
import { SCANNER_IDENTITY } from '../scanner-identity';
import { AdvisoryStore } from '../vulnerabilities/advisory-store';
import { OsvMatcher } from '../vulnerabilities/osv-matcher';
import type { ScanEngines } from './scan-engines';

/** What the engines may need from the process: its configuration and the database (the advisories' tables). */
export interface ScanEngineDependencies {
  config: AppConfig;
  sql: SqlClient;
}

/**
 * The one place the scanner's engines are bound: the inventory (apps/scanner/src/inventory: the
 * built-in detectors, or Trivy when TRIVY_PATH is set), the OSV vulnerability database
 * (apps/scanner/src/vulnerabilities, the tables `npm run scanner:db-import` fills) and the SBOM
 * writers (apps/scanner/src/sbom).
 */
export function defaultScanEngines({ config, sql }: ScanEngineDependencies): ScanEngines {
  const inventory = inventorySourceFor({ trivyPath: config.TRIVY_PATH });
  return {
    collectInventory: (image) => inventory.collectInventory(image),
    matcher: new OsvMatcher(new AdvisoryStore(sql)),
    generateSbom: async (image, found, mediaType) => {
      const subject: SbomSubject = {
        inventory: found,
        image: { registryUrl: image.registryUrl, repository: image.repository, digest: image.digest },
        tool: { vendor: SCANNER_IDENTITY.vendor, name: SCANNER_IDENTITY.name, version: SCANNER_IDENTITY.version },
      };
      return mediaType === 'application/spdx+json' ? spdxOf(subject) : cycloneDxOf(subject);
    },
  };
}
