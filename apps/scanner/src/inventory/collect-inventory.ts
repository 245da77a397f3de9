import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import type { ImageLayer, PulledImage } from '../registry/pulled-image';
import { defaultDetectors } from './default-detectors';
import type { DetectedPackage, Detector, DetectorResult, LayerFile } from './detector';
import type { InstalledPackage, Inventory, OperatingSystem } from './inventory';
import { LayerOverlay, normalizeLayerPath, whiteoutOf, type LayerChanges } from './layer-overlay';
import { purlOf } from './purl';

interface FileFinding {
  result: DetectorResult;
  /** per package of `result.packages`: the layer that first put it there (a status file rewritten by every apt layer keeps older entries' layers) */
  layers: string[];
}

/**
 * Lists what an image contains, reading each layer's tar once, lowest first: each regular file is
 * offered to the detectors (by path, size and mode); the one that wants it reads it (whole, up to
 * its bound, or as a stream), the rest of the layer flows past. Whiteouts and overwrites of upper
 * layers remove what lower layers declared. Only the detectors' findings are kept between layers.
 */
/** Nest token to replace the detectors (tests, or an operator's narrower set); the default is every detector. */
export const INVENTORY_DETECTORS = Symbol('INVENTORY_DETECTORS');

@Injectable()
export class InventoryCollector {
  private readonly detectors: Detector[];

  constructor(@Optional() @Inject(INVENTORY_DETECTORS) detectors?: Detector[]) {
    this.detectors = detectors ?? defaultDetectors();
  }

  async collectInventory(image: PulledImage): Promise<Inventory> {
    const overlay = new LayerOverlay<FileFinding>();
    for (const layer of image.layers) overlay.apply(await this.readLayer(layer, overlay));
    return inventoryOf(overlay);
  }

  private async readLayer(layer: ImageLayer, below: LayerOverlay<FileFinding>): Promise<LayerChanges<FileFinding>> {
    const changes: LayerChanges<FileFinding> = { files: new Map(), replaced: [], whiteouts: [], opaqueDirs: [] };
    const source = await layer.open();
    const tar = extract();
    source.on('error', (error) => tar.destroy(error));
    source.pipe(tar);
    for await (const entry of tar as AsyncIterable<Readable & { header: Header }>) {
      const header = entry.header;
      const path = normalizeLayerPath(header.name);
      const whiteout = whiteoutOf(path);
      if (whiteout) {
        if (whiteout.kind === 'opaque') changes.opaqueDirs.push(whiteout.dir);
        else changes.whiteouts.push(whiteout.target);
        entry.resume();
        continue;
      }
      if (header.type === 'directory') {
        entry.resume();
        continue;
      }
      const file: LayerFile = { path, size: header.size ?? 0, mode: header.mode ?? 0 };
      const detector = header.type === 'file' || header.type === 'contiguous-file' ? this.detectors.find((d) => d.matches(file)) : undefined;
      let result: DetectorResult | undefined;
      if (header.type === 'link' && header.linkname) {
        // a hard link shares its target's content: the same findings
        const target = normalizeLayerPath(header.linkname);
        const found = changes.files.get(target) ?? below.get(target);
        if (found) result = found.result;
        entry.resume();
      } else if (!detector || file.size > detector.maxBytes) {
        entry.resume();
      } else if (detector.kind === 'stream') {
        result = await detector.scan(entry, file).catch(() => {
          entry.resume(); // the rest of the entry must flow past for the next one to come
          return undefined;
        });
      } else {
        const content = await readAll(entry);
        // a file a detector cannot read (a corrupt lockfile) is reported by nothing, and the scan goes on
        result = await Promise.resolve()
          .then(() => detector.parse(content, file))
          .catch(() => undefined);
      }
      if (result && (result.os || result.packages?.length)) changes.files.set(path, { result, layers: layersOf(result, below.get(path), layer.digest) });
      else {
        changes.files.delete(path);
        if (below.get(path)) changes.replaced.push(path);
      }
    }
    return changes;
  }
}

/** Convenience for callers outside Nest: the default detectors. */
export function collectInventory(image: PulledImage): Promise<Inventory> {
  return new InventoryCollector().collectInventory(image);
}

const packageKey = (pkg: DetectedPackage) => `${pkg.name}@${pkg.version}@${pkg.arch ?? ''}`;

/** The layer each package of a file comes from: the lower copy's layer for a package the lower copy already listed. */
function layersOf(result: DetectorResult, lower: FileFinding | undefined, digest: string): string[] {
  const earlier = new Map<string, string>();
  lower?.result.packages?.forEach((pkg, i) => earlier.set(packageKey(pkg), lower.layers[i]));
  return (result.packages ?? []).map((pkg) => earlier.get(packageKey(pkg)) ?? digest);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function inventoryOf(overlay: LayerOverlay<FileFinding>): Inventory {
  const found = [...overlay.entries()];
  const osOf = (path: string) => found.find(([p]) => p === path)?.[1].result.os;
  const os: OperatingSystem | null = osOf('etc/os-release') ?? osOf('usr/lib/os-release') ?? null;
  const packages: InstalledPackage[] = [];
  for (const [path, finding] of found) {
    (finding.result.packages ?? []).forEach((detected, i) => packages.push(installed(detected, `/${path}`, finding.layers[i], os)));
  }
  return { os, packages: sorted(withoutLockfileDuplicates(packages)) };
}

function installed(detected: DetectedPackage, path: string, layerDigest: string, os: OperatingSystem | null): InstalledPackage {
  // dpkg databases are alike across Debian and its derivatives: the distribution picks the advisories
  const ecosystem = detected.ecosystem === 'debian' && os?.family === 'ubuntu' ? 'ubuntu' : detected.ecosystem;
  const pkg: InstalledPackage = {
    ecosystem,
    name: detected.name,
    version: detected.version,
    path: detected.innerPath ? `${path}/${detected.innerPath}` : path,
    purl: purlOf({ ...detected, ecosystem }, os),
    layerDigest,
  };
  if (detected.sourceName) pkg.sourceName = detected.sourceName;
  if (detected.sourceVersion) pkg.sourceVersion = detected.sourceVersion;
  if (detected.licenses?.length) pkg.licenses = detected.licenses;
  return pkg;
}

/**
 * An npm package both installed (`<root>/node_modules/.../package.json`) and listed in a lockfile
 * of the same project (`<root>/package-lock.json`) is one package: the installed copy is kept.
 */
function withoutLockfileDuplicates(packages: InstalledPackage[]): InstalledPackage[] {
  const installedKeys = new Set<string>();
  for (const pkg of packages) {
    if (pkg.ecosystem !== 'npm') continue;
    const at = pkg.path.indexOf('/node_modules/');
    if (at >= 0) installedKeys.add(`${pkg.path.slice(0, at)}|${pkg.name}@${pkg.version}`);
  }
  return packages.filter((pkg) => {
    if (pkg.ecosystem !== 'npm' || pkg.path.includes('/node_modules/')) return true;
    const root = pkg.path.slice(0, pkg.path.lastIndexOf('/'));
    return !installedKeys.has(`${root}|${pkg.name}@${pkg.version}`);
  });
}

function sorted(packages: InstalledPackage[]): InstalledPackage[] {
  return packages.sort((a, b) => a.path.localeCompare(b.path) || a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}
