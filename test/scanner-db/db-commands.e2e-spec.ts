import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@wharf/config';
import { runMigrations } from '@wharf/db';
import { createTestDatabase } from '../support/test-database';
import { FIXTURES, zipDirectory } from './osv-database';

const ROOT = join(__dirname, '..', '..');

/** Runs `npm run <script> -- args` (the built command, as an operator does) to its exit. */
function npmRun(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function advisoryIds(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ id: string }>('SELECT id FROM osv_advisory ORDER BY id')).rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

describe('the scanner database commands', () => {
  let database: { url: string; drop: () => Promise<void> };
  let work: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations(loadConfig({ DATABASE_URL: database.url }));
    work = await mkdtemp(join(tmpdir(), 'wharf-osv-cli-'));
  });

  afterAll(async () => {
    await database?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('npm run scanner:db-import loads an all.zip, then skips what it already has', async () => {
    const zip = join(work, 'all.zip');
    await zipDirectory(FIXTURES, zip);
    const first = await npmRun('scanner:db-import', [zip], { DATABASE_URL: database.url });
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout.trim())).toMatchObject({ path: zip, read: 8, written: 8, unchanged: 0 });
    expect(await advisoryIds(database.url)).toHaveLength(8);

    const again = await npmRun('scanner:db-import', [zip], { DATABASE_URL: database.url });
    expect(JSON.parse(again.stdout.trim())).toMatchObject({ read: 8, written: 0, unchanged: 8 });
  });

  it('npm run scanner:db-import says how to use it without a path, and names a path that is not there', async () => {
    const usage = await npmRun('scanner:db-import', [], { DATABASE_URL: database.url });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: npm run scanner:db-import -- <all.zip/);
    const missing = await npmRun('scanner:db-import', [join(work, 'nowhere.zip')], { DATABASE_URL: database.url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere.zip/);
  });

  describe('npm run scanner:db-sync', () => {
    let server: Server;
    const requested: string[] = [];

    beforeAll(async () => {
      // a stand-in for osv.dev's bucket on loopback: <ecosystem>/all.zip
      const exports = join(work, 'bucket');
      for (const [ecosystem, files] of Object.entries({ npm: ['GHSA-p6mc-m468-83gw.json'], Debian: ['DSA-5343-1.json', 'DEBIAN-CVE-2023-0286.json'] })) {
        const source = join(work, `source-${ecosystem}`);
        await mkdir(source, { recursive: true });
        for (const file of files) await copyFile(join(FIXTURES, file), join(source, file));
        await mkdir(join(exports, ecosystem), { recursive: true });
        await zipDirectory(source, join(exports, ecosystem, 'all.zip'));
      }
      server = createServer((request, response) => {
        requested.push(request.url!);
        const match = /^\/(npm|Debian)\/all\.zip$/.exec(request.url!);
        if (!match) return void response.writeHead(404).end();
        response.writeHead(200, { 'content-type': 'application/zip' });
        createReadStream(join(exports, match[1], 'all.zip')).pipe(response);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
    });

    it('downloads the configured ecosystems\' exports from SCANNER_OSV_URL and imports them', async () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await npmRun('scanner:db-sync', [], { DATABASE_URL: database.url, SCANNER_OSV_URL: url, SCANNER_OSV_ECOSYSTEMS: 'npm,Debian' });
      expect(result.code).toBe(0);
      expect(requested).toEqual(['/npm/all.zip', '/Debian/all.zip']);
      const lines = result.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      expect(lines).toEqual([expect.objectContaining({ ecosystem: 'npm', read: 1 }), expect.objectContaining({ ecosystem: 'Debian', read: 2 })]);
    });

    it('fails, naming the URL, when an export cannot be downloaded', async () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await npmRun('scanner:db-sync', ['PyPI'], { DATABASE_URL: database.url, SCANNER_OSV_URL: url });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${url}/PyPI/all.zip: 404`);
    });
  });
});
