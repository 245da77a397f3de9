import type { SbomMediaType } from '../api/mime-types';
import type { Inventory } from '../inventory/inventory';
import type { PulledImage } from '../registry/pulled-image';
import type { VulnerabilityMatcher } from '../vulnerabilities/vulnerability-finding';

/**
 * What a scan runs on a pulled image, behind one seam: the inventory (what is installed), the
 * vulnerability database (which advisories apply) and the SBOM writer. The scan job, the API and
 * the reports know only this interface; `default-scan-engines.ts` binds the real ones.
 */
export interface ScanEngines {
  /** lists what one platform's image contains (its layers are streamed, lowest first) */
  collectInventory(image: PulledImage): Promise<Inventory>;
  matcher: VulnerabilityMatcher;
  /** the SBOM document (CycloneDX 1.5+ or SPDX 2.3 JSON) of one platform's image */
  generateSbom(image: PulledImage, inventory: Inventory, mediaType: SbomMediaType): Promise<Record<string, unknown>>;
}

/** Nest token of the ScanEngines the scanner process uses. */
export const SCAN_ENGINES = Symbol('SCAN_ENGINES');
