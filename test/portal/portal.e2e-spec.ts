/**
 * The web portal end to end, in Debian's chromium (playwright-core, no browser download), against a
 * real api (which serves dist/portal at /), worker and scanner process: log in with the form, create
 * a project with a quota, see an image pushed with skopeo with its tag and digest, add a member,
 * create a robot and copy its secret (then log in to /v2 with it), scan an artifact and see its
 * severity, create a proxy-cache project of a docker-registry upstream, run GC and watch it finish,
 * log out. Every page visited is checked by axe-core (no serious or critical violation) and
 * screenshotted to test-artifacts/portal/. Keyboard use of the login form and of a table; a
 * repository of 1,000 artifacts renders its first page from one server page (the time is recorded).
 */
import type { INestApplicationContext } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Response as PageResponse } from 'playwright-core';
import { callApi } from '../support/management-api';
import { rawManifestDigest, skopeo } from '../support/oci-layout';
import { eventually } from '../support/eventually';
import { RegistryClient } from '../support/registry-client';
import { DEBIAN_11_OS_RELEASE, dpkgEntry } from '../support/scanner-images';
import { startScannerProcess, type ScannerProcess } from '../support/scanner-process';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker } from '../support/worker-context';
import { accessibilityReport, ARTIFACTS_DIR, checkPage, openPortal, type PortalBrowser } from './portal-browser';

const { firstLoadScripts, gzipSize, portalDist } = require('../../scripts/portal-sizes.js') as {
  firstLoadScripts(html: string): string[];
  gzipSize(file: string): number;
  portalDist: string;
};

jest.setTimeout(300_000);

// browser globals used inside page.evaluate callbacks (the test program is compiled without the DOM lib)
declare const document: {
  activeElement: { tagName: string; textContent: string | null; getAttribute(name: string): string | null } | null;
  querySelectorAll(selector: string): { length: number };
};
declare const navigator: { clipboard: { readText(): Promise<string> } };

const PROJECT = 'portal-e2e';
const MANY_ARTIFACTS = 1_000;
const FIRST_LOAD_LIMIT = 300 * 1024;

let environment: TestEnvironment;
let api: RunningApi;
let worker: INestApplicationContext;
let scanner: ScannerProcess;
let upstream: UpstreamRegistryProcess;
let portal: PortalBrowser;
let page: Page;
let workDir: string;
let pushedDigest: string;

const call = (method: string, path: string, body?: unknown) => callApi(api.url, method, path, { body });
const registryHost = () => new URL(api.url).host;

/** An OCI layout (umoci) holding a Debian-looking image whose dpkg database lists a vulnerable openssl. */
function buildDebianLayout(layout: string, tag: string): void {
  const rootfs = join(workDir, 'rootfs');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  mkdirSync(join(rootfs, 'var', 'lib', 'dpkg'), { recursive: true });
  writeFileSync(join(rootfs, 'etc', 'os-release'), DEBIAN_11_OS_RELEASE);
  writeFileSync(join(rootfs, 'var', 'lib', 'dpkg', 'status'), `${[dpkgEntry('openssl', '1.1.1n-0+deb11u3'), dpkgEntry('libssl1.1', '1.1.1n-0+deb11u3', 'openssl')].join('\n\n')}\n`);
  const run = (args: string[]) => execFileSync('umoci', args, { stdio: 'pipe' });
  run(['init', '--layout', layout]);
  run(['new', '--image', `${layout}:${tag}`]);
  // one layer made by GNU tar: Debian's umoci 0.4.7 `insert` writes layers that stop after the last
  // file's bytes (no padding, no end-of-archive blocks), which GNU tar and the scanner both refuse
  const layer = join(workDir, 'layer.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', layer, 'etc', 'var']);
  run(['raw', 'add-layer', '--image', `${layout}:${tag}`, layer]);
  run(['config', '--image', `${layout}:${tag}`, '--architecture', 'amd64', '--os', 'linux', '--config.cmd', '/bin/sh']);
}

/** `count` tagged artifacts in one repository, pushed straight through /v2 (one shared config blob). */
async function seedArtifacts(repository: string, count: number): Promise<void> {
  const client = new RegistryClient(api.url);
  const config = { ...(await client.pushBlob(repository, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })))), mediaType: 'application/vnd.oci.image.config.v1+json' };
  let next = 0;
  const pushOne = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) {
      const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [], annotations: { 'org.example.sequence': String(index) } };
      const response = await client.pushManifest(repository, `t${String(index).padStart(4, '0')}`, manifest, manifest.mediaType);
      if (response.status !== 201) throw new Error(`seeding ${repository}: ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, pushOne));
}

async function openTab(name: string): Promise<void> {
  await page.getByRole('tab', { name }).click();
  await page.waitForURL(new RegExp(`/projects/${PROJECT}/`));
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'wharf-portal-e2e-'));
  // the api serves the portal `npm run build` (run by `npm test`) wrote to dist/portal
  environment = await createTestEnvironment('filesystem', { PORTAL_DIR: portalDist });
  // the scanner's vulnerability database: the OSV fixture (as test/scanning does)
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'scanner', 'src', 'cli', 'db-import.js'), join(__dirname, '..', 'scanner-db', 'fixtures', 'osv')], {
    env: { ...process.env, ...environment.env },
    stdio: 'pipe',
  });
  [api, scanner, upstream] = await Promise.all([startApi(environment), startScannerProcess(environment.env), startUpstreamRegistry()]);
  worker = await startWorker(environment, { EXTERNAL_URL: api.url });
  expect((await call('POST', '/scanners', { name: 'wharf', url: scanner.url, auth: 'None' })).status).toBe(201);
  expect((await call('POST', '/users', { username: 'dev1', email: 'dev1@example.com', realname: 'Dev One', password: 'Dev1-Password-1' })).status).toBe(201);
  portal = await openPortal(api.url);
  page = portal.page;
});

afterAll(async () => {
  await portal?.close();
  await worker?.close();
  await scanner?.stop();
  await upstream?.stop();
  await api?.close();
  await environment?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the built portal', () => {
  it('keeps its first load under 300 KB of compressed script, with no inline script (CSP script-src self)', () => {
    const html = readFileSync(join(portalDist, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const first = firstLoadScripts(html);
    expect(first.length).toBeGreaterThan(0);
    const bytes = first.reduce((sum, file) => sum + gzipSize(file), 0);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    writeFileSync(join(ARTIFACTS_DIR, 'first-load.json'), JSON.stringify({ files: first, gzipBytes: bytes }, null, 2));
    expect(bytes).toBeLessThan(FIRST_LOAD_LIMIT);
  });

  it('is served by the api at /, with the SPA fallback for deep links', async () => {
    for (const path of ['/', `/projects/${PROJECT}/members`]) {
      const answer = await fetch(`${api.url}${path}`, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect([answer.status, answer.headers.get('content-type')]).toEqual([200, expect.stringContaining('text/html')]);
      expect(await answer.text()).toContain('<div id="root">');
    }
  });
});

describe('a day in the portal', () => {
  it('logs in with the keyboard alone: Username has focus, Tab reaches Password, Enter submits', async () => {
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await checkPage(page, '01-login');
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('autocomplete') === 'username'));
    await page.keyboard.type(TEST_ADMIN.username);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('autocomplete'))).toBe('current-password');
    await page.keyboard.type('not the password');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Invalid user name or password' }).waitFor();
    await page.getByRole('textbox', { name: 'Password' }).fill(TEST_ADMIN.password);
    await page.getByRole('textbox', { name: 'Password' }).press('Enter');
    await page.waitForURL(/\/projects$/);
    await page.getByRole('table', { name: 'Projects' }).waitFor();
    await checkPage(page, '02-projects');
  });

  it('creates a private project with a 10 GiB quota and shows its quota usage', async () => {
    await page.getByRole('button', { name: 'New Project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New Project' });
    await dialog.getByLabel('Project Name').fill(PROJECT);
    await dialog.getByRole('switch', { name: 'Storage quota' }).check();
    await dialog.getByLabel('Storage limit').fill('10');
    await checkPage(page, '03-new-project');
    await dialog.getByRole('button', { name: 'OK' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: PROJECT, exact: true }) });
    await row.getByText('0 B of 10.0 GiB').waitFor();
    expect(await row.getByText('Private').count()).toBe(1);
    expect((await call('GET', `/projects/${PROJECT}/summary`)).json.quota.hard.storage).toBe(10 * 1024 ** 3);
  });

  it('reaches a project from the table by keyboard: Tab from New Project to its link, Enter opens it', async () => {
    await page.getByRole('button', { name: 'New Project' }).focus();
    let onLink = false;
    for (let presses = 0; presses < 15 && !onLink; presses += 1) {
      await page.keyboard.press('Tab');
      onLink = await page.evaluate((name) => document.activeElement?.tagName === 'A' && document.activeElement.textContent === name, PROJECT);
    }
    expect(onLink).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/projects/${PROJECT}/repositories$`));
    await checkPage(page, '04-repositories-empty');
  });

  it('shows an image pushed with skopeo with its tag and digest', async () => {
    const layout = join(workDir, 'layout');
    buildDebianLayout(layout, 'v1');
    const reference = `docker://${registryHost()}/${PROJECT}/app:v1`;
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`, `oci:${layout}:v1`, reference]);
    pushedDigest = await rawManifestDigest(reference, ['--tls-verify=false', '--creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`]);

    await page.reload();
    await page.getByRole('link', { name: `${PROJECT}/app` }).click();
    const artifacts = page.getByRole('table', { name: 'Artifacts' });
    const row = artifacts.getByRole('row').filter({ hasText: 'v1' });
    await row.waitFor();
    expect(await row.getByRole('link', { name: pushedDigest.slice(0, 'sha256:'.length + 12) }).count()).toBe(1);
    await checkPage(page, '05-artifacts');

    await row.getByRole('link', { name: pushedDigest.slice(0, 'sha256:'.length + 12) }).click();
    await page.getByText(pushedDigest, { exact: true }).waitFor();
    await page.getByText(`docker pull ${registryHost()}/${PROJECT}/app:v1`).waitFor();
    await checkPage(page, '06-artifact');
    await page.getByRole('tab', { name: 'Build History' }).click();
    await page.getByRole('tabpanel', { name: 'Build History' }).locator('pre').first().waitFor();
    await checkPage(page, '07-artifact-build-history');
  });

  it('scans the artifact and shows its severity', async () => {
    await page.getByRole('link', { name: 'app', exact: true }).click();
    const row = page.getByRole('table', { name: 'Artifacts' }).getByRole('row').filter({ hasText: 'v1' });
    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Scan', exact: true }).click();
    // the list polls while the scan runs; the severity bar replaces the status when it ends
    const severity = row.getByLabel(/^Vulnerabilities: /);
    await severity.waitFor({ timeout: 120_000 });
    const text = (await severity.getAttribute('aria-label'))!;
    const artifact = (await call('GET', `/projects/${PROJECT}/repositories/app/artifacts/v1?with_scan_overview=true`)).json;
    const overview = Object.values(artifact.scan_overview as Record<string, { severity: string; summary: { total: number } }>)[0];
    expect(overview.summary.total).toBeGreaterThan(0);
    expect(text).toContain(overview.severity);
    await checkPage(page, '08-artifacts-scanned');
    await page.getByRole('link', { name: pushedDigest.slice(0, 'sha256:'.length + 12) }).click();
    await page.getByRole('tab', { name: 'Vulnerabilities' }).click();
    await page.getByRole('table', { name: 'Vulnerabilities' }).getByText('CVE-2023-0286').first().waitFor();
    await checkPage(page, '09-artifact-vulnerabilities');
  });

  it('adds a member and changes the role', async () => {
    await page.goto(`/projects/${PROJECT}/members`);
    await page.getByRole('button', { name: 'Add Member' }).click();
    const dialog = page.getByRole('dialog', { name: 'New Member' });
    await dialog.getByLabel('Username').fill('dev1');
    await checkPage(page, '10-add-member');
    await dialog.getByRole('button', { name: 'OK' }).click();
    const row = page.getByRole('table', { name: 'Members' }).getByRole('row').filter({ hasText: 'dev1' });
    await row.waitFor();
    await row.getByLabel('Role of dev1').click();
    await page.getByRole('option', { name: 'Maintainer' }).click();
    await eventually(async () => {
      const members = (await call('GET', `/projects/${PROJECT}/members`)).json as { entity_name: string; role_id: number }[];
      return members.find((member) => member.entity_name === 'dev1')?.role_id === 4;
    });
    await checkPage(page, '11-members');
  });

  it('creates a robot account, shows its secret once and copies it; the secret logs in to /v2', async () => {
    await openTab('Robot Accounts');
    await page.getByRole('button', { name: 'New Robot Account' }).click();
    const dialog = page.getByRole('dialog', { name: 'New Robot Account' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('ci');
    await dialog.getByRole('checkbox', { name: 'Push repository' }).check();
    await checkPage(page, '12-new-robot');
    await dialog.getByRole('button', { name: 'Add' }).click();
    const shown = page.getByRole('dialog', { name: 'Robot account created' });
    const secret = (await shown.getByTestId('robot-secret').textContent())!;
    await shown.getByRole('button', { name: 'Copy secret' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await checkPage(page, '13-robot-secret');
    await shown.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('table', { name: 'Robot Accounts' }).getByText(`robot$${PROJECT}+ci`).waitFor();
    await checkPage(page, '14-robots');
    const v2 = await fetch(`${api.url}/v2/${PROJECT}/app/tags/list`, { headers: { authorization: basicAuth({ username: `robot$${PROJECT}+ci`, password: secret }) } });
    expect(v2.status).toBe(200);
  });

  it('shows every other project tab', async () => {
    for (const [tab, screenshotName, ready] of [
      ['Labels', '15-labels', 'Labels'],
      ['Scanner', '16-scanner', 'Project scanner'],
      ['P2P Preheat', '17-preheat', 'P2P preheat policies'],
      ['Tag Immutability', '18-immutability', 'Immutability rules'],
      ['Webhooks', '19-webhooks', 'Webhooks'],
      ['Logs', '20-logs', 'Project logs'],
    ] as const) {
      await openTab(tab);
      await page.getByRole('table', { name: ready }).waitFor();
      await checkPage(page, screenshotName);
    }
    await openTab('Tag Retention');
    await page.getByText('Retention rules').waitFor();
    await checkPage(page, '21-retention');
    await openTab('Configuration');
    await page.getByRole('checkbox', { name: 'Automatically scan images on push' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => (await call('GET', `/projects/${PROJECT}`)).json.metadata.auto_scan === 'true');
    await checkPage(page, '22-configuration');
  });

  it('creates a proxy-cache project of a docker-registry endpoint', async () => {
    const endpoint = await call('POST', '/registries', { name: 'upstream', type: 'docker-registry', url: upstream.url, insecure: false });
    expect(endpoint.status).toBe(201);
    await page.goto('/projects');
    await page.getByRole('button', { name: 'New Project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New Project' });
    await dialog.getByLabel('Project Name').fill('hub-cache');
    await dialog.getByRole('switch', { name: 'Proxy Cache' }).check();
    await dialog.getByRole('combobox', { name: 'Registry endpoint' }).click();
    await page.getByRole('option', { name: new RegExp(`^upstream \\(`) }).click();
    await checkPage(page, '23-new-proxy-project');
    await dialog.getByRole('button', { name: 'OK' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'hub-cache', exact: true }) });
    await row.getByText('Proxy Cache').waitFor();
    expect((await call('GET', '/projects/hub-cache')).json.registry_id).toEqual(endpoint.json?.id ?? expect.any(Number));
    await checkPage(page, '24-projects-with-proxy');
  });

  it('renders the first page of a 1,000-artifact repository from one server page', async () => {
    await seedArtifacts(`${PROJECT}/many`, MANY_ARTIFACTS);
    const artifactLists: PageResponse[] = [];
    const listen = (response: PageResponse) => {
      if (/\/repositories\/many\/artifacts\?/.test(response.url())) artifactLists.push(response);
    };
    page.on('response', listen);
    await page.goto(`/projects/${PROJECT}/repositories/many`);
    await page.waitForFunction(() => {
      const rows = document.querySelectorAll('table[aria-label="Artifacts"] tbody tr').length;
      if (rows < 10) return false;
      performance.mark('artifacts-first-page');
      return true;
    });
    const renderedMs = await page.evaluate(() => performance.getEntriesByName('artifacts-first-page')[0].startTime);
    page.off('response', listen);
    writeFileSync(join(ARTIFACTS_DIR, 'artifact-list-timing.json'), JSON.stringify({ artifacts: MANY_ARTIFACTS, firstPageRenderedMsAfterNavigation: Math.round(renderedMs) }, null, 2));
    console.log(`portal: the first page of ${MANY_ARTIFACTS} artifacts rendered ${Math.round(renderedMs)} ms after navigation`);
    await page.getByText(`${MANY_ARTIFACTS} items`).waitFor();
    expect(artifactLists.length).toBeGreaterThan(0);
    for (const response of artifactLists) {
      expect(new URL(response.url()).searchParams.get('page_size')).toBe('10');
      expect(response.headers()['x-total-count']).toBe(String(MANY_ARTIFACTS));
      expect(((await response.json()) as unknown[]).length).toBe(10);
    }
    await checkPage(page, '25-many-artifacts');
    // the next page is the next server page: the tags the api lists second (eight pushers at once
    // finish out of order, so which tags those are is the api's to say, not the push sequence's)
    const secondPage = await call('GET', `/projects/${PROJECT}/repositories/many/artifacts?page=2&page_size=10&with_tag=true`);
    const secondPageTags = (secondPage.json as { tags: { name: string }[] }[]).map((artifact) => artifact.tags[0].name);
    expect(secondPageTags).toHaveLength(10);
    await page.getByRole('button', { name: 'Page 2' }).click();
    for (const tag of secondPageTags) await page.getByText(tag, { exact: true }).waitFor();
  });

  it('runs GC from Administration and watches it finish', async () => {
    await page.goto('/admin/gc');
    await page.getByRole('button', { name: 'GC Now' }).click();
    await page.getByRole('row').filter({ hasText: 'Success' }).first().waitFor({ timeout: 120_000 });
    await checkPage(page, '26-admin-gc');
  });

  it('logs out: back at the login form, and the session no longer answers', async () => {
    await page.goto('/projects');
    await page.getByRole('button', { name: /^User menu for admin/ }).click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect((await page.request.get('/api/v2.0/users/current')).status()).toBe(401);
    await checkPage(page, '27-logged-out');
  });

  it('had no serious or critical accessibility violation on any page visited (axe-core)', () => {
    writeFileSync(join(ARTIFACTS_DIR, 'accessibility.json'), JSON.stringify(accessibilityReport(), null, 2));
    expect(accessibilityReport()).toEqual({});
  });
});
