import type { Readable } from 'node:stream';
import type { DetectedPackage, DetectorResult, LayerFile, StreamDetector } from '../detector';
import { BuildInfoScanner, type GoBuildInfo } from './go-buildinfo';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * Go executables: the main module, its dependencies (with replacements applied) and the Go
 * standard library (`stdlib` at the toolchain's version, as OSV files Go's own advisories).
 * Every executable ELF file is streamed through once; non-ELF files are skipped after one chunk.
 */
export class GoBinaryDetector implements StreamDetector {
  readonly kind = 'stream';
  readonly name = 'go-binary';
  readonly maxBytes = 1024 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    return (file.mode & 0o111) !== 0 && file.size > 4096 && !/\.(so(\.\d+)*|sh|py|pl|rb|js)$/.test(file.path);
  }

  async scan(stream: Readable): Promise<DetectorResult> {
    const scanner = new BuildInfoScanner();
    let first = true;
    let elf = false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        elf = chunk.length >= 4 && chunk.subarray(0, 4).equals(ELF_MAGIC);
      }
      if (elf && !scanner.finished) scanner.push(chunk);
    }
    return scanner.result ? { packages: goPackages(scanner.result) } : {};
  }
}

export function goPackages(info: GoBuildInfo): DetectedPackage[] {
  const packages: DetectedPackage[] = [];
  const add = (name: string, version: string) => {
    // `(devel)`: built from a work tree, no released version to match
    if (!version || version === '(devel)') return;
    packages.push({ ecosystem: 'go', name, version: version.replace(/^v/, '') });
  };
  if (info.main) add(info.main.path, info.main.version);
  for (const dep of info.deps) add(dep.path, dep.version);
  const toolchain = /^go(\d+(?:\.\d+){1,2})/.exec(info.goVersion);
  if (toolchain) add('stdlib', toolchain[1]);
  return packages;
}
