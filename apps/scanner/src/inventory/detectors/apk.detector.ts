import type { DetectedPackage, DetectorResult, FileDetector, LayerFile } from '../detector';

/** Alpine (and Wolfi) packages from `lib/apk/db/installed`: `P:` name, `V:` version, `o:` origin, `A:` arch, `L:` license. */
export class ApkDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'apk';
  readonly maxBytes = 32 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    return file.path === 'lib/apk/db/installed';
  }

  parse(content: Buffer): DetectorResult {
    return { packages: parseApkInstalled(content.toString('utf8')) };
  }
}

export function parseApkInstalled(text: string): DetectedPackage[] {
  const packages: DetectedPackage[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of paragraph.split('\n')) {
      // F: and R: (file lists) repeat; only the package's own single-letter fields matter here
      if (line.length > 2 && line[1] === ':' && !fields.has(line[0])) fields.set(line[0], line.slice(2).trim());
    }
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) continue;
    const license = fields.get('L');
    packages.push({
      ecosystem: 'alpine',
      name,
      version,
      sourceName: fields.get('o') ?? name,
      sourceVersion: version,
      ...(fields.get('A') ? { arch: fields.get('A') } : {}),
      ...(license ? { licenses: [license] } : {}),
    });
  }
  return packages;
}
