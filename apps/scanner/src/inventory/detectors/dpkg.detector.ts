import { baseName, type DetectedPackage, type DetectorResult, type FileDetector, type LayerFile } from '../detector';

/**
 * Debian packages: `var/lib/dpkg/status` (only `install ok installed` entries) and the one-file-per-
 * package `var/lib/dpkg/status.d/*` of distroless images (whose entries carry no Status). The
 * `Source:` field names the source package advisories are filed under, with its version in
 * parentheses when it differs from the binary's.
 */
export class DpkgDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'dpkg';
  readonly maxBytes = 32 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    if (file.path === 'var/lib/dpkg/status') return true;
    if (!file.path.startsWith('var/lib/dpkg/status.d/')) return false;
    return !/\.(md5sums|list|conffiles)$/.test(baseName(file.path));
  }

  parse(content: Buffer): DetectorResult {
    return { packages: parseDpkgStatus(content.toString('utf8')) };
  }
}

export function parseDpkgStatus(text: string): DetectedPackage[] {
  const packages: DetectedPackage[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const fields = controlFields(paragraph);
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version) continue;
    const status = fields.get('status');
    if (status !== undefined) {
      const [want, , state] = status.split(/\s+/);
      if (state !== 'installed' || (want !== 'install' && want !== 'hold')) continue;
    }
    const source = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(fields.get('source') ?? '');
    const arch = fields.get('architecture');
    packages.push({
      ecosystem: 'debian',
      name,
      version,
      sourceName: source?.[1] ?? name,
      sourceVersion: source?.[2] ?? version,
      ...(arch ? { arch } : {}),
    });
  }
  return packages;
}

/** deb822 fields, lower-cased names; continuation lines (leading space) are dropped: none we read spans lines. */
function controlFields(paragraph: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of paragraph.split('\n')) {
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return fields;
}
