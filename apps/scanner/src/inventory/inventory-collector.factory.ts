import type { PulledImage } from '../registry/pulled-image';
import { InventoryCollector } from './collect-inventory';
import type { Inventory } from './inventory';
import { TrivyInventoryCollector } from './trivy-inventory.collector';

/** Either engine: the scanner's own detectors (the default) or Trivy. */
export interface InventorySource {
  collectInventory(image: PulledImage): Promise<Inventory>;
}

export interface InventoryEngineConfig {
  /** `TRIVY_PATH`: when set, Trivy lists the packages instead of the built-in detectors */
  trivyPath?: string;
  trivyTimeoutMs?: number;
  trivyCacheDir?: string;
}

export function inventorySourceFor(config: InventoryEngineConfig): InventorySource {
  if (config.trivyPath) return new TrivyInventoryCollector({ trivyPath: config.trivyPath, timeoutMs: config.trivyTimeoutMs, cacheDir: config.trivyCacheDir });
  return new InventoryCollector();
}
