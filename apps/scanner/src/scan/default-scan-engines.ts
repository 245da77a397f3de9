import type { AppConfig } from '@wharf/config';
import type { SqlClient } from '@wharf/db';
import type { ScanEngines } from './scan-engines';

/** What the engines may need from the process: its configuration and the database (the advisories' tables). */
export interface ScanEngineDependencies {
  config: AppConfig;
  sql: SqlClient;
}

/** Raised when a part of the scanner is not in this build; the scan fails saying which. */
export class MissingEngineError extends Error {}

/**
 * The one place the scanner's engines are bound: the inventory (apps/scanner/src/inventory), the
 * OSV vulnerability database (apps/scanner/src/vulnerabilities) and the SBOM writer
 * (apps/scanner/src/sbom). Each line below is replaced by the real one as those parts land; until
 * then a scan fails with a message naming what is missing, and metadata reports no database.
 */
export function defaultScanEngines(_deps: ScanEngineDependencies): ScanEngines {
  const missing = (part: string) => () => Promise.reject(new MissingEngineError(`${part} is not part of this build`));
  return {
    collectInventory: missing('the inventory collector'),
    matcher: { match: missing('the vulnerability database'), databaseUpdatedAt: () => Promise.resolve(null) },
    generateSbom: missing('the SBOM writer'),
  };
}
