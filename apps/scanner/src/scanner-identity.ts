import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ScannerIdentity } from './reports/report-types';

/** The version of the package this process was built from (the nearest package.json up from here: sources or dist/). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version?: string }).version ?? 'unknown';
    if (dirname(dir) === dir) return 'unknown';
  }
}

/** Who the scanner says it is, in metadata and in every report. */
export const SCANNER_IDENTITY: ScannerIdentity = { name: 'Wharf', vendor: 'Wharf', version: packageVersion() };
