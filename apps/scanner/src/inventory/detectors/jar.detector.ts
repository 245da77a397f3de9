import { promisify } from 'node:util';
import * as yauzl from 'yauzl';
import type { DetectedPackage, DetectorResult, FileDetector, LayerFile } from '../detector';

const fromBuffer = promisify<Buffer, yauzl.Options, yauzl.ZipFile>(yauzl.fromBuffer);
/** the most bytes read of one nested jar (`BOOT-INF/lib/*.jar`, `WEB-INF/lib/*.jar`) */
const MAX_NESTED_JAR = 16 * 1024 * 1024;
const MAX_METADATA = 256 * 1024;

/**
 * Java archives (`.jar`, `.war`, `.ear`): the Maven coordinates in `META-INF/maven/<g>/<a>/pom.properties`
 * (one per artifact a shaded jar bundles), or failing those the manifest's `Implementation-Vendor-Id`,
 * `Implementation-Title`/`Bundle-SymbolicName` and `Implementation-Version`; jars nested one level
 * deep (Spring Boot, web apps) are read the same way. A zip needs random access, so the archive is
 * held in memory: archives above `maxBytes` are skipped.
 */
export class JarDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'jar';
  readonly maxBytes = 64 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    return /\.(jar|war|ear)$/i.test(file.path);
  }

  async parse(content: Buffer): Promise<DetectorResult> {
    try {
      return { packages: await readJar(content, 1) };
    } catch {
      return {};
    }
  }
}

async function readJar(content: Buffer, depth: number, innerPath?: string): Promise<DetectedPackage[]> {
  const zip = await fromBuffer(content, { lazyEntries: true });
  const poms: Record<string, string>[] = [];
  let manifest: Record<string, string> | undefined;
  const nested: DetectedPackage[] = [];
  try {
    for await (const entry of entries(zip)) {
      const name = entry.fileName;
      const isPom = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(name);
      const isManifest = name === 'META-INF/MANIFEST.MF';
      const isNested = depth > 0 && /\.(jar|war)$/i.test(name) && !name.endsWith('/');
      if (!isPom && !isManifest && !isNested) continue;
      const limit = isNested ? MAX_NESTED_JAR : MAX_METADATA;
      if (entry.uncompressedSize > limit) continue;
      const data = await readEntry(zip, entry);
      if (isPom) poms.push(parseProperties(data.toString('utf8')));
      else if (isManifest) manifest = parseManifest(data.toString('utf8'));
      else nested.push(...(await readJar(data, depth - 1, name).catch(() => [])));
    }
  } finally {
    zip.close();
  }
  const own: DetectedPackage[] = [];
  for (const pom of poms) {
    if (pom.groupId && pom.artifactId && pom.version) own.push(maven(`${pom.groupId}:${pom.artifactId}`, pom.version, innerPath));
  }
  if (!own.length && manifest) {
    const group = manifest['Implementation-Vendor-Id'];
    const artifact = manifest['Implementation-Title'] ?? manifest['Bundle-SymbolicName']?.split(';')[0];
    const version = manifest['Implementation-Version'] ?? manifest['Bundle-Version'];
    // without a group the coordinates are a guess no advisory could be matched on
    if (group && artifact && version) own.push(maven(`${group}:${artifact}`, version, innerPath));
  }
  return [...own, ...nested];
}

function maven(name: string, version: string, innerPath?: string): DetectedPackage {
  return { ecosystem: 'maven', name, version, ...(innerPath ? { innerPath } : {}) };
}

async function* entries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry) => done(e);
      const onEnd = () => done(null);
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      const done = (value: yauzl.Entry | null) => {
        cleanup();
        resolve(value);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) return reject(error ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
      stream.on('error', reject);
    });
  });
}

/** `key=value` lines of a Java properties file (comments with `#` or `!`). */
function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([^#!=:\s][^=:]*?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (match) out[match[1]] = match[2];
  }
  return out;
}

/** The manifest's main section: `Name: value`, continuation lines start with one space. */
function parseManifest(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let key: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if (line.startsWith(' ') && key) out[key] += line.slice(1);
    else {
      const colon = line.indexOf(':');
      if (colon > 0) out[(key = line.slice(0, colon))] = line.slice(colon + 1).trim();
    }
  }
  return out;
}
