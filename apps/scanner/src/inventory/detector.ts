import type { Readable } from 'node:stream';
import type { InstalledPackage, OperatingSystem } from './inventory';

/** A regular file of a layer, as the collector offers it to the detectors (path without a leading slash). */
export interface LayerFile {
  path: string;
  size: number;
  mode: number;
}

/**
 * A package as a detector reads it; the collector adds the path, the layer and the purl (which
 * for OS packages needs the distribution, known only once every layer was read).
 */
export type DetectedPackage = Omit<InstalledPackage, 'path' | 'purl' | 'layerDigest'> & {
  /** package architecture (deb, apk, rpm purl qualifier) */
  arch?: string;
  /** rpm epoch */
  epoch?: number;
  /** a path inside the file that declared it (a jar inside a jar), appended to the file's path */
  innerPath?: string;
};

export interface DetectorResult {
  packages?: DetectedPackage[];
  os?: OperatingSystem;
}

interface DetectorBase {
  readonly name: string;
  /** a matching file larger than this is skipped (whole-file detectors keep it in memory) */
  readonly maxBytes: number;
  matches(file: LayerFile): boolean;
}

/** Reads a small file whole (status databases, lockfiles, metadata). */
export interface FileDetector extends DetectorBase {
  readonly kind: 'file';
  parse(content: Buffer, file: LayerFile): DetectorResult | Promise<DetectorResult>;
}

/** Reads a large file as it streams by (Go binaries), keeping only what it needs. */
export interface StreamDetector extends DetectorBase {
  readonly kind: 'stream';
  /** must consume `stream` to its end */
  scan(stream: Readable, file: LayerFile): Promise<DetectorResult>;
}

export type Detector = FileDetector | StreamDetector;

/** The last path segment. */
export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
