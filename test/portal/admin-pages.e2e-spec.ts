/**
 * The portal's Administration section in Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) against a real api and worker (Postgres, Redis), Debian's docker-registry as a
 * replication target, Wharf's own scanner adapter process, and the contract fake of a Dragonfly
 * manager (the one provider that cannot run here). The api serves the built portal and the admin
 * signs in through its login form (session cookie, CSRF token). Every page is visited and checked with axe-core
 * (no serious or critical violation); the daily work of an administrator is done through the pages:
 * users, a registry endpoint and its connection test, a replication rule run to Succeeded, a
 * preheat instance, a scanner, GC Now to Success with its log, a system setting, the audit log.
 * Screenshots go to test-artifacts/portal/admin-*.png.
 */
import AxeBuilder from '@axe-core/playwright';
import type { INestApplicationContext } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { callApi } from '../support/management-api';
import { FakeDragonflyManager } from '../support/p2p-providers';
import { startScannerProcess, type ScannerProcess } from '../support/scanner-process';
import { TEST_ADMIN } from '../support/test-credentials';
import { pushTestImage, startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker } from '../support/worker-context';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'portal');
const SCANNER_KEY = 'portal-admin-scanner-key-0123456789';
const DRAGONFLY_TOKEN = 'portal-admin-dragonfly-token';
// what a job may take on a machine shared with other suites
const JOB_TIMEOUT = 90_000;

/** Every page of the Administration section: its path and the heading it shows. */
const ADMIN_PAGES: [path: string, heading: string][] = [
  ['overview', 'Administration'],
  ['users', 'Users'],
  ['registries', 'Registries'],
  ['replications', 'Replications'],
  ['p2p-preheat', 'P2P Preheat Instances'],
  ['interrogation-services', 'Interrogation Services'],
  ['gc', 'Garbage Collection'],
  ['configuration', 'Configuration'],
  ['audit-log', 'Audit Log'],
];

describe('portal: the Administration pages', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let target: UpstreamRegistryProcess;
  let scanner: ScannerProcess;
  let dragonfly: FakeDragonflyManager;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const call = (method: string, path: string, body?: unknown) => callApi(api.url, method, path, { body });
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `admin-${name}.png`), fullPage: true });
  const dialog = () => page.getByRole('dialog');
  const field = (scope: Page | Locator, name: string) => scope.getByRole('textbox', { name, exact: true });
  /** A password input (no ARIA role) by its label; a required one's label text ends in " *". */
  const secret = (scope: Page | Locator, label: string) => scope.getByLabel(new RegExp(`^${label}( \\*)?$`));

  /** Opens a Mantine Select by its label and picks an option. */
  async function pick(scope: Page | Locator, label: string, option: string | RegExp): Promise<void> {
    await scope.getByRole('textbox', { name: label, exact: true }).or(scope.getByRole('combobox', { name: label, exact: true })).first().click();
    await page.getByRole('option', { name: option }).click();
  }

  async function visit(path: string, heading: string): Promise<void> {
    await page.goto(`/admin/${path}`);
    await page.getByRole('heading', { level: 2, name: heading, exact: true }).waitFor();
  }

  /** A notification's text (they stack top-right and fade; the newest match is enough). */
  const notice = (text: string | RegExp) => page.getByText(text).last();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // the api serves the portal that npm run build (run by npm test) wrote to dist/portal
    environment = await createTestEnvironment('filesystem', { PORTAL_DIR: join(ROOT, 'dist', 'portal') });
    api = await startApi(environment);
    worker = await startWorker(environment);
    dragonfly = new FakeDragonflyManager(DRAGONFLY_TOKEN);
    [target, scanner] = await Promise.all([startUpstreamRegistry(), startScannerProcess({ ...environment.env, SCANNER_API_KEY: SCANNER_KEY }), dragonfly.start()]);
    await pushTestImage(api.url, 'library/app', 'v1', TEST_ADMIN);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    context = await browser.newContext({ baseURL: api.url, viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // signed in as Harbor's portal does it: the login form, a session cookie, CSRF on every change
    await page.goto('/login?redirect=%2Fadmin%2Foverview');
    await page.getByRole('textbox', { name: 'Username', exact: true }).fill(TEST_ADMIN.username);
    await page.getByLabel(/^Password( \*)?$/).fill(TEST_ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 2, name: 'Administration', exact: true }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await dragonfly?.stop();
    await scanner?.stop();
    await target?.stop();
    await worker?.close();
    await api?.close();
    await environment?.close();
  });

  it('shows every page of the section in the navigation, each without serious or critical axe violations', async () => {
    await visit('overview', 'Administration');
    const navigation = page.getByRole('navigation', { name: 'Main navigation' });
    for (const [path, heading] of ADMIN_PAGES) {
      await navigation.locator(`a[href="/admin/${path}"]`).click();
      await page.getByRole('heading', { level: 2, name: heading, exact: true }).waitFor();
      await page.getByRole('table').first().or(page.getByRole('form').first()).first().waitFor().catch(() => undefined);
      // axe judges what is shown at rest: the pointer leaves the link it clicked (a hovered link is shaded)
      await page.mouse.move(700, 880);
      const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
      const grave = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
      expect({ path, violations: grave.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`) }).toEqual({ path, violations: [] });
      await shot(path);
    }
  });

  it('users: creates one, makes it an administrator and back, resets its password, deletes it', async () => {
    await visit('users', 'Users');
    await page.getByRole('button', { name: 'New User' }).click();
    await field(dialog(), 'Username').fill('operator');
    await field(dialog(), 'Email').fill('operator@example.com');
    await secret(dialog(), 'Password').fill('Operator-Pass-1');
    await secret(dialog(), 'Confirm Password').fill('Operator-Pass-1');
    await dialog().getByRole('button', { name: 'OK' }).click();
    await notice('Created user operator').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'operator@example.com' });
    await row.waitFor();

    await page.getByRole('button', { name: 'Set operator as administrator' }).click();
    await notice('operator is now a system administrator').waitFor();
    await page.getByRole('button', { name: 'Revoke administrator from operator' }).click();
    await dialog().getByRole('button', { name: 'Revoke' }).click();
    await notice('operator is no longer a system administrator').waitFor();
    expect((await call('GET', '/users?username=operator')).json[0]).toMatchObject({ username: 'operator', sysadmin_flag: false });

    await page.getByRole('button', { name: 'Reset password of operator' }).click();
    await secret(dialog(), 'New Password').fill('Operator-Pass-2');
    await secret(dialog(), 'Confirm Password').fill('Operator-Pass-2');
    await dialog().getByRole('button', { name: 'OK' }).click();
    await notice('Password of operator reset').waitFor();
    // the closed dialog stays in the page while it fades out; the next one must not meet it there
    await dialog().waitFor({ state: 'detached' });
    expect((await callApi(api.url, 'GET', '/users/current', { auth: { username: 'operator', password: 'Operator-Pass-2' } })).status).toBe(200);

    // the api's Harbor error comes through: a weak password is refused with its reason
    await page.getByRole('button', { name: 'New User' }).click();
    await field(dialog(), 'Username').fill('weak');
    await secret(dialog(), 'Password').fill('short');
    await secret(dialog(), 'Confirm Password').fill('short');
    await dialog().getByRole('button', { name: 'OK' }).click();
    await notice('Could not create the user').waitFor();
    await shot('users-error');
    await dialog().getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Delete user operator' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await call('GET', '/users?username=operator')).json).toEqual([]);
  });

  it('registries: creates an endpoint for docker-registry and tests its connection', async () => {
    await visit('registries', 'Registries');
    await page.getByRole('button', { name: 'New Endpoint' }).click();
    await field(dialog(), 'Name').fill('target');
    await field(dialog(), 'Endpoint URL').fill(target.url);
    await dialog().getByRole('button', { name: 'Test Connection' }).click();
    await notice('Connection to target tested successfully').waitFor();
    await dialog().getByRole('button', { name: 'OK' }).click();
    await notice('Created endpoint target').waitFor();
    await page.getByRole('button', { name: 'Test connection to target' }).click();
    await notice('Connection to target tested successfully').waitFor();
    await page.getByRole('row').filter({ hasText: target.url }).getByText('Docker Registry').waitFor();
    await shot('registries-created');
  });

  it('replications: creates a push rule, replicates, and watches the execution reach Succeeded with its task log', async () => {
    await visit('replications', 'Replications');
    await page.getByRole('button', { name: 'New Replication Rule' }).click();
    await field(dialog(), 'Name').fill('to-target');
    await pick(dialog(), 'Destination registry', /^target/);
    await field(dialog(), 'Name filter').fill('library/**');
    await field(dialog(), 'Destination namespace').fill('mirror');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await notice('Created rule to-target').waitFor();

    await page.getByRole('button', { name: 'Replicate to-target' }).click();
    await dialog().getByRole('button', { name: 'Replicate' }).click();
    await notice('Started replication of to-target').waitFor();
    await page.getByRole('table', { name: 'Replication executions' }).getByRole('link').first().click();
    await page.getByRole('heading', { level: 2, name: /^Execution \d+$/ }).waitFor();
    await page.getByText('Succeeded', { exact: true }).first().waitFor({ timeout: JOB_TIMEOUT });
    const tasks = page.getByRole('table', { name: 'Replication tasks' });
    await tasks.getByText('library/app:[v1]').waitFor();
    await shot('replication-execution');

    await tasks.getByRole('button', { name: /^Log of task \d+$/ }).first().click();
    await expect(dialog().locator('pre').textContent()).resolves.toMatch(/\S/);
    await shot('replication-task-log');
    await page.keyboard.press('Escape');

    const tags = await fetch(`${target.url}/v2/mirror/app/tags/list`).then((r) => r.json());
    expect(tags).toEqual({ name: 'mirror/app', tags: ['v1'] });
  });

  it('P2P preheat: adds a Dragonfly instance after testing its connection, then disables it', async () => {
    await visit('p2p-preheat', 'P2P Preheat Instances');
    await page.getByRole('button', { name: 'New Instance' }).click();
    await field(dialog(), 'Name').fill('dragonfly');
    await field(dialog(), 'Endpoint').fill(dragonfly.url);
    await pick(dialog(), 'Auth Mode', 'OAUTH');
    await secret(dialog(), 'Token').fill(DRAGONFLY_TOKEN);
    await dialog().getByRole('button', { name: 'Test Connection' }).click();
    await notice('Connection to dragonfly tested successfully').waitFor();
    await dialog().getByRole('button', { name: 'OK' }).click();
    await notice('Created instance dragonfly').waitFor();
    await page.getByRole('button', { name: 'Disable dragonfly' }).click();
    await notice('Disabled dragonfly').waitFor();
    expect((await call('GET', '/p2p/preheat/instances/dragonfly')).json).toMatchObject({ enabled: false, auth_mode: 'OAUTH', auth_info: { token: '*****' } });
    await shot('p2p-preheat-created');
  });

  it('interrogation services: adds a scanner with an API key after testing the connection, shows its metadata, scans all', async () => {
    await visit('interrogation-services', 'Interrogation Services');
    await page.getByRole('button', { name: 'New Scanner' }).click();
    await field(dialog(), 'Name').fill('wharf-scanner');
    await field(dialog(), 'Endpoint').fill(scanner.url);
    await pick(dialog(), 'Authorization', 'APIKey');
    await secret(dialog(), 'API Key').fill(SCANNER_KEY);
    await dialog().getByRole('button', { name: 'Test Connection' }).click();
    await notice(`Connection to ${scanner.url} tested successfully`).waitFor();
    await dialog().getByRole('button', { name: 'Add' }).click();
    await notice('Added scanner wharf-scanner').waitFor();

    await page.getByRole('button', { name: 'Show metadata of wharf-scanner' }).click();
    await dialog().getByText('Capabilities').waitFor();
    await shot('scanner-metadata');
    await page.keyboard.press('Escape');
    const [registration] = (await call('GET', '/scanners')).json;
    expect(registration).toMatchObject({ name: 'wharf-scanner', url: scanner.url, auth: 'X-ScannerAdapter-API-Key', is_default: true, disabled: false });

    await page.getByRole('tab', { name: 'Vulnerability' }).click();
    await page.getByRole('button', { name: 'Scan Now' }).click();
    await notice('Scanning all artifacts').waitFor();
    await page.getByText(/^1\/1 artifacts$/).waitFor({ timeout: JOB_TIMEOUT });
    await shot('scan-all');
  });

  it('garbage collection: "GC Now" runs, the history shows Success, the log viewer shows its log', async () => {
    await visit('gc', 'Garbage Collection');
    await page.getByRole('button', { name: 'GC Now' }).click();
    await notice('Garbage collection started').waitFor();
    const history = page.getByRole('table', { name: 'GC history' });
    await history.getByText('Success', { exact: true }).waitFor({ timeout: JOB_TIMEOUT });
    await shot('gc-history');
    await history.getByRole('button', { name: /^Log of GC run \d+$/ }).first().click();
    await expect(dialog().locator('pre').textContent()).resolves.toMatch(/\S/);
    await shot('gc-log');
    await page.keyboard.press('Escape');

    await pick(page, 'GC schedule', /^Daily/);
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await notice('Saved the GC schedule').waitFor();
    expect((await call('GET', '/system/gc/schedule')).json.schedule).toMatchObject({ type: 'Daily', cron: '0 0 0 * * *' });
  });

  it('configuration: restricts project creation to administrators and sets the system CVE allowlist', async () => {
    await visit('configuration', 'Configuration');
    await pick(page, 'Project Creation', 'Admin Only');
    await page.getByRole('form', { name: 'System settings' }).getByRole('button', { name: 'Save' }).click();
    await notice('Configuration saved').waitFor();
    expect((await call('GET', '/configurations')).json.project_creation_restriction.value).toBe('adminonly');

    await page.getByLabel('CVE allowlist', { exact: true }).fill('CVE-2023-0286\nCVE-2024-1234');
    await page.getByRole('button', { name: 'Save allowlist' }).click();
    await notice('CVE allowlist saved').waitFor();
    expect((await call('GET', '/system/CVEAllowlist')).json).toMatchObject({ items: [{ cve_id: 'CVE-2023-0286' }, { cve_id: 'CVE-2024-1234' }], expires_at: null });
    await shot('configuration-saved');
  });

  it('audit log: filters by resource type and operation, server-side', async () => {
    await visit('audit-log', 'Audit Log');
    const log = page.getByRole('table', { name: 'Audit log' });
    await log.getByRole('row').nth(1).waitFor();
    await pick(page, 'Resource type', 'registry');
    await pick(page, 'Operation', 'create');
    await log.getByRole('cell', { name: 'target', exact: true }).waitFor();
    await expect(log.getByRole('row').count()).resolves.toBe(2);
    await shot('audit-log-filtered');
  });
});
