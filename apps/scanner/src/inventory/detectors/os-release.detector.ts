import type { DetectorResult, FileDetector, LayerFile } from '../detector';

/** `etc/os-release`, or `usr/lib/os-release` (what the former links to on most distributions). */
export class OsReleaseDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'os-release';
  readonly maxBytes = 64 * 1024;

  matches(file: LayerFile): boolean {
    return file.path === 'etc/os-release' || file.path === 'usr/lib/os-release';
  }

  parse(content: Buffer): DetectorResult {
    const fields = parseOsRelease(content.toString('utf8'));
    if (!fields.ID) return {};
    return { os: { family: fields.ID, version: fields.VERSION_ID ?? '', prettyName: fields.PRETTY_NAME } };
  }
}

/** KEY=value lines, values optionally quoted with shell escapes (os-release(5)). */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2].trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\([$"\\`])/g, '$1');
    }
    fields[match[1]] = value;
  }
  return fields;
}
