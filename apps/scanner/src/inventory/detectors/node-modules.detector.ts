import type { DetectedPackage, DetectorResult, FileDetector, LayerFile } from '../detector';

/**
 * Installed npm packages: `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json`
 * (not the package.json files a package ships deeper inside itself).
 */
export class NodeModulesDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'node-modules';
  readonly maxBytes = 1024 * 1024;

  matches(file: LayerFile): boolean {
    return /(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/.test(file.path);
  }

  parse(content: Buffer): DetectorResult {
    let manifest: { name?: unknown; version?: unknown; license?: unknown; licenses?: unknown };
    try {
      manifest = JSON.parse(content.toString('utf8')) as typeof manifest;
    } catch {
      return {};
    }
    if (typeof manifest.name !== 'string' || typeof manifest.version !== 'string' || !manifest.name || !manifest.version) return {};
    const pkg: DetectedPackage = { ecosystem: 'npm', name: manifest.name, version: manifest.version };
    const licenses = licensesOf(manifest);
    if (licenses.length) pkg.licenses = licenses;
    return { packages: [pkg] };
  }
}

/** `license: "MIT"`, or the old `license: {type}` / `licenses: [{type}]` forms. */
function licensesOf(manifest: { license?: unknown; licenses?: unknown }): string[] {
  const one = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string' ? (value as { type: string }).type : undefined;
  const all = [one(manifest.license), ...(Array.isArray(manifest.licenses) ? manifest.licenses.map(one) : [])];
  return all.filter((value): value is string => !!value);
}
