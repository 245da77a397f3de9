import type { DetectorResult, FileDetector, LayerFile } from '../detector';

/**
 * Installed Python distributions: `*.dist-info/METADATA` (wheels, pip) and `*.egg-info/PKG-INFO`
 * (setuptools), or an `*.egg-info` file holding the same fields. Core metadata is an RFC 822
 * header block: `Name`, `Version`, `License` / `License-Expression`.
 */
export class PythonMetadataDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'python-metadata';
  readonly maxBytes = 2 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    return /\.dist-info\/METADATA$/.test(file.path) || /\.egg-info\/PKG-INFO$/.test(file.path) || /\.egg-info$/.test(file.path);
  }

  parse(content: Buffer): DetectorResult {
    const headers = new Map<string, string>();
    for (const line of content.toString('utf8').split('\n')) {
      if (line.trim() === '') break; // the body (long description) follows the first blank line
      const colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith(' ') && !headers.has(line.slice(0, colon).toLowerCase())) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const name = headers.get('name');
    const version = headers.get('version');
    if (!name || !version) return {};
    const license = headers.get('license-expression') ?? headers.get('license');
    const useful = license && license !== 'UNKNOWN' && license.length <= 100;
    return { packages: [{ ecosystem: 'pypi', name, version, ...(useful ? { licenses: [license] } : {}) }] };
  }
}
