/**
 * Security properties of identity that no single endpoint owns: the first-start admin password,
 * secrets kept out of logs, slowed-down password guessing, token signing keys (generated,
 * rotated, or given as a file), and Harbor-shaped errors for malformed or oversized bodies.
 */
import { TokenSigningKeys, keyIdOf } from '@wharf/iam';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiProcess } from '../support/api-process';
import { eventually } from '../support/eventually';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const tokenFor = async (url: string, authorization?: string, scope = 'repository:library/app:pull,push'): Promise<Response> =>
  fetch(`${url}/service/token?service=wharf-registry&scope=${scope}`, { headers: authorization ? { authorization } : {} });

const kidOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;

describe('first start without ADMIN_PASSWORD', () => {
  let environment: TestEnvironment;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
  });
  afterAll(async () => environment?.close());

  it('prints a random admin password once, which works, and keeps it and every other secret out of the logs', async () => {
    const { ADMIN_PASSWORD: _given, ...env } = environment.env;
    const first = await startApiProcess({ ...env, LOG_LEVEL: 'trace' });
    let password: string;
    try {
      const announced = /password:\s+(\S+)/.exec(first.output());
      expect(announced).not.toBeNull();
      password = announced![1];
      expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
      const good = await tokenFor(first.url, basicAuth({ username: 'admin', password }));
      expect(good.status).toBe(200);
      const { token } = (await good.json()) as { token: string };
      const push = await new RegistryClient(first.url, { username: 'admin', password }).pushImage('library/app', 'v1', { layers: 1 });
      expect(push.digest).toMatch(/^sha256:/);
      expect((await tokenFor(first.url, basicAuth({ username: 'admin', password: 'Wrong-Guess-123' }))).status).toBe(401);

      const logs = first.output();
      // the one announcement, and nothing else: no password, token or hash in any log line
      expect(logs.split(password).length - 1).toBe(1);
      expect(logs).not.toContain(token);
      expect(logs).not.toContain('Wrong-Guess-123');
      expect(logs).not.toContain('$scrypt$');
      expect(logs).not.toContain(Buffer.from(`admin:${password}`).toString('base64'));
    } finally {
      await first.stop();
    }

    const second = await startApiProcess(env);
    try {
      expect(second.output()).not.toMatch(/password:\s+\S+/);
      expect((await tokenFor(second.url, basicAuth({ username: 'admin', password }))).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});

describe('identity security', () => {
  let environment: TestEnvironment;
  let api: RunningApi;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
  });
  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  it('refuses repeated failed logins for a user name from one address, at once and with Retry-After', async () => {
    // five distinct wrong passwords are free; each failure past them locks the name for this address
    let refused: Response | undefined;
    let failures = 0;
    while (!refused && failures < 12) {
      const answer = await tokenFor(api.url, basicAuth({ username: 'admin', password: `Not-The-Password-${failures}` }));
      if (answer.status === 429) refused = answer;
      else expect(answer.status).toBe(401);
      failures += answer.status === 401 ? 1 : 0;
    }
    expect(failures).toBeGreaterThanOrEqual(6);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // the right password is refused too while the lock lasts (this address has failed), then works
    await eventually(async () => (await tokenFor(api.url, basicAuth(TEST_ADMIN))).status === 200, 10_000);
  });

  it('keeps tokens signed with an older key valid after a rotation, and signs new ones with the new key', async () => {
    const before = ((await (await tokenFor(api.url, basicAuth(TEST_ADMIN))).json()) as { token: string }).token;
    const newKid = await api.app.get(TokenSigningKeys).rotate();
    const after = ((await (await tokenFor(api.url, basicAuth(TEST_ADMIN))).json()) as { token: string }).token;
    expect(kidOf(after)).toBe(newKid);
    expect(kidOf(before)).not.toBe(newKid);
    for (const token of [before, after]) {
      const response = await new RegistryClient(api.url, null).fetch('/v2/library/app/blobs/uploads/', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(202);
    }
  });

  it('answers malformed and oversized management bodies in the Harbor error shape', async () => {
    const headers = { authorization: basicAuth(TEST_ADMIN), 'content-type': 'application/json' };
    const malformed = await fetch(`${api.url}/api/v2.0/projects`, { method: 'POST', headers, body: '{"project_name":' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: { code: string }[] }).errors[0].code).toBe('BAD_REQUEST');
    const oversized = await fetch(`${api.url}/api/v2.0/projects`, { method: 'POST', headers, body: JSON.stringify({ project_name: 'x', padding: 'a'.repeat(2 * 1024 * 1024) }) });
    expect(oversized.status).toBe(413);
    expect(((await oversized.json()) as { errors: { code: string }[] }).errors[0].code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('a signing key given as a file', () => {
  let environment: TestEnvironment;
  let dir: string;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    dir = mkdtempSync(join(tmpdir(), 'wharf-key-'));
  });
  afterAll(async () => {
    await environment?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs with TOKEN_SIGNING_KEY_FILE instead of a generated key', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const file = join(dir, 'token.key');
    writeFileSync(file, pem, { mode: 0o600 });
    const api = await startApiProcess({ ...environment.env, TOKEN_SIGNING_KEY_FILE: file });
    try {
      const { token } = (await (await tokenFor(api.url, basicAuth(TEST_ADMIN))).json()) as { token: string };
      expect(kidOf(token)).toBe(keyIdOf(createPublicKey(createPrivateKey(pem))));
      const response = await new RegistryClient(api.url, null).fetch('/v2/library/app/blobs/uploads/', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(202);
    } finally {
      await api.stop();
    }
  });
});
