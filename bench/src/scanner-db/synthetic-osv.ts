import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

/**
 * Synthetic OSV exports shaped like osv.dev's real ones (record sizes, affected entries per
 * record, range and `versions` shapes, text lengths), written as an all.zip. Deterministic (a
 * seeded generator), so two runs measure the same bytes.
 */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'buffer overflow in the parser allows remote attackers to cause a denial of service or possibly execute arbitrary code via a crafted file when processing untrusted input heap use after free null pointer dereference integer overflow'.split(' ');

function text(next: () => number, length: number): string {
  const words: string[] = [];
  let size = 0;
  while (size < length) {
    const word = WORDS[Math.floor(next() * WORDS.length)];
    words.push(word);
    size += word.length + 1;
  }
  return words.join(' ');
}

/** A package of a pool of `count`, skewed like real advisories (a few packages have most of them). */
function packageOf(next: () => number, prefix: string, count: number): string {
  return `${prefix}${Math.floor(count * next() ** 2.5)}`;
}

const DEBIAN_RELEASES = ['Debian:10', 'Debian:11', 'Debian:12', 'Debian:13'];
const SUFFIX = { 'Debian:10': '+deb10u', 'Debian:11': '+deb11u', 'Debian:12': '~deb12u', 'Debian:13': '' } as Record<string, string>;

/** Debian: DEBIAN-CVE records (one per CVE, an entry per release with its urgency) and DSA/DLA records. */
export function debianRecord(index: number, next: () => number): { name: string; json: string } {
  const year = 2005 + (index % 20);
  const cve = `CVE-${year}-${String(10000 + index).padStart(5, '0')}`;
  const pkg = packageOf(next, 'srcpkg', 2500);
  const upstreamVersion = `${1 + Math.floor(next() * 5)}.${Math.floor(next() * 20)}.${Math.floor(next() * 10)}`;
  const advisory = index % 6 === 0;
  const releases = advisory ? [DEBIAN_RELEASES[Math.floor(next() * 3)]] : DEBIAN_RELEASES.filter(() => next() < 0.85);
  const affected = releases.map((ecosystem) => {
    const fixed = next() < 0.7 ? `${upstreamVersion}-${1 + Math.floor(next() * 4)}${SUFFIX[ecosystem]}${SUFFIX[ecosystem] ? 1 + Math.floor(next() * 5) : ''}` : undefined;
    const versions = Array.from({ length: 3 + Math.floor(next() * 12) }, (_, v) => `${upstreamVersion}-${v}${SUFFIX[ecosystem]}`);
    return {
      package: { ecosystem, name: pkg, purl: `pkg:deb/debian/${pkg}?arch=source` },
      ranges: [{ type: 'ECOSYSTEM', events: fixed ? [{ introduced: '0' }, { fixed }] : [{ introduced: '0' }] }],
      versions,
      ...(advisory ? {} : { ecosystem_specific: { urgency: ['not yet assigned', 'low', 'medium', 'unimportant', 'high'][Math.floor(next() * 5)] } }),
    };
  });
  const id = advisory ? `${index % 12 === 0 ? 'DSA' : 'DLA'}-${1000 + index}-1` : `DEBIAN-${cve}`;
  const record = {
    schema_version: '1.7.0',
    id,
    published: `${year}-03-01T00:00:00Z`,
    modified: `2025-0${1 + (index % 9)}-1${index % 10}T08:00:00.${String(index % 1000000).padStart(6, '0')}Z`,
    upstream: advisory ? Array.from({ length: 1 + Math.floor(next() * 4) }, (_, k) => `CVE-${year}-${20000 + index + k}`) : [cve],
    ...(advisory ? { summary: `${pkg} - security update` } : {}),
    details: text(next, 300 + Math.floor(next() * 900)),
    affected,
    references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${cve}` }],
  };
  return { name: `${id}.json`, json: JSON.stringify(record) };
}

/** npm: GitHub-reviewed advisories (CVSS, CWE ids, references, one or two packages). */
export function npmRecord(index: number, next: () => number): { name: string; json: string } {
  const id = `GHSA-${index.toString(36).padStart(4, '0')}-${Math.floor(next() * 1e6).toString(36).padStart(4, 'x')}-xxxx`;
  const affected = Array.from({ length: next() < 0.8 ? 1 : 2 }, () => {
    const pkg = packageOf(next, 'npm-package-', 8000);
    const major = Math.floor(next() * 6);
    return {
      package: { ecosystem: 'npm', name: pkg },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: next() < 0.5 ? '0' : `${major}.0.0` }, { fixed: `${major}.${1 + Math.floor(next() * 9)}.${Math.floor(next() * 9)}` }] }],
      database_specific: { source: `https://github.com/github/advisory-database/blob/main/advisories/github-reviewed/2024/01/${id}/${id}.json` },
    };
  });
  const record = {
    schema_version: '1.4.0',
    id,
    modified: `2024-1${index % 3}-0${1 + (index % 9)}T12:00:00Z`,
    published: '2022-05-01T00:00:00Z',
    aliases: next() < 0.7 ? [`CVE-2023-${30000 + index}`] : [],
    summary: text(next, 60),
    details: text(next, 500 + Math.floor(next() * 1500)),
    severity: [{ type: 'CVSS_V3', score: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'][index % 3] }],
    affected,
    references: Array.from({ length: 3 + Math.floor(next() * 5) }, (_, k) => ({ type: 'WEB', url: `https://github.com/example/project-${index}/issues/${k}` })),
    database_specific: { cwe_ids: [`CWE-${79 + (index % 50)}`], severity: 'HIGH', github_reviewed: true, github_reviewed_at: '2022-05-01T00:00:00Z', nvd_published_at: null },
  };
  return { name: `${id}.json`, json: JSON.stringify(record) };
}

/** Writes `count` records of `make` as a flat all.zip; returns the archive's size in bytes. */
export async function writeSyntheticExport(path: string, count: number, make: (index: number, next: () => number) => { name: string; json: string }, seed: number): Promise<number> {
  const next = random(seed);
  const zip = new ZipFile();
  const written = pipeline(zip.outputStream, createWriteStream(path));
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const { name, json } = make(i, next);
    zip.addBuffer(Buffer.from(json), name);
    bytes += json.length;
  }
  zip.end();
  await written;
  return bytes;
}
