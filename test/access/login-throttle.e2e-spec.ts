/**
 * The login throttle bounds guessing without handing attackers a lever over someone else's
 * account: failures lock out the account-and-address pair (and, past a higher bound, the
 * address), refusals are immediate 429s with Retry-After, parallel guesses are refused rather
 * than checked, and a right password from an address that has not failed is never held back,
 * however many failures the account has elsewhere. Requests come from distinct loopback
 * addresses (127.0.0.0/8 is all local on Linux), which is what the api sees as the source.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { callApi } from '../support/management-api';
import { TEST_ADMIN, basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

interface Answer {
  status: number;
  retryAfter: string | null;
  code?: string;
  ms: number;
}

describe('login throttle', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  const agents = new Map<string, Agent>();

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
  });
  afterAll(async () => {
    await Promise.all([...agents.values()].map((agent) => agent.close()));
    await api?.close();
    await environment?.close();
  });

  /** A request to `path` with these credentials, sent from `address`. */
  async function from(address: string, path: string, credentials: Credentials): Promise<Answer> {
    let agent = agents.get(address);
    if (!agent) agents.set(address, (agent = new Agent({ localAddress: address })));
    const started = Date.now();
    const response = await undiciFetch(`${api.url}${path}`, { headers: { authorization: basicAuth(credentials) }, dispatcher: agent });
    const body = (await response.json().catch(() => undefined)) as { errors?: { code: string }[] } | undefined;
    return { status: response.status, retryAfter: response.headers.get('retry-after'), code: body?.errors?.[0]?.code, ms: Date.now() - started };
  }

  const login = (address: string, credentials: Credentials) => from(address, '/service/token?service=wharf-registry', credentials);

  async function robotCredentials(name: string): Promise<Credentials> {
    const body = { name, level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] };
    const created = await callApi(api.url, 'POST', '/robots', { body });
    expect(created.status).toBe(201);
    return { username: created.json.name, password: created.json.secret };
  }

  it.each([
    ['a robot', () => robotCredentials('ci')],
    ['a user', async () => TEST_ADMIN],
  ])("does not hold back %s's right password from an address that has not failed, whatever the attacker's failures elsewhere", async (_kind, account) => {
    const credentials = await account();
    const tag = credentials.username.startsWith('robot$') ? 1 : 2;
    // 12 addresses guessing five times each: the account passes its bound of 50 failures, after
    // which the addresses that failed share one attempt a second (the rest are refused)
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async (_, source) => {
        const seen: number[] = [];
        for (let i = 0; i < 5; i += 1) seen.push((await login(`127.0.${10 * tag + 1}.${source + 1}`, { ...credentials, password: `Guess-${source}-${i}` })).status);
        return seen;
      }),
    );
    expect(statuses.flat().filter((status) => status === 401).length).toBeGreaterThanOrEqual(50);
    expect(statuses.flat().every((status) => status === 401 || status === 429)).toBe(true);
    // and one address guessing on until it is refused: at once, with a time to come back, not kept waiting
    let refused: Answer | undefined;
    for (let i = 0; i < 12 && !refused; i += 1) {
      const answer = await login(`127.0.${10 * tag + 2}.1`, { ...credentials, password: `More-${i}` });
      if (answer.status === 429) refused = answer;
    }
    expect(refused?.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(refused?.retryAfter)).toBeGreaterThanOrEqual(1);

    const right = await login(`127.0.${10 * tag + 3}.1`, credentials);
    expect(right.status).toBe(200);
    // a generous upper bound that cannot flake: the old throttle made this wait 10 s
    expect(right.ms).toBeLessThan(2_000);
  });

  it('refuses most of a burst of parallel guesses at once instead of checking them (429 with Retry-After, on /v2 and /service/token)', async () => {
    const user = { username: 'target', password: 'Target-Pass-1' };
    expect((await callApi(api.url, 'POST', '/users', { body: { ...user, email: 'target@example.com', realname: 'target' } })).status).toBe(201);
    for (const [path, address, code] of [
      ['/service/token?service=wharf-registry', '127.0.30.1', 'TOO_MANY_REQUESTS'],
      ['/v2/', '127.0.30.2', 'TOOMANYREQUESTS'],
    ]) {
      const started = Date.now();
      // passwords of this burst's own: a pair refused before is answered from memory, unchecked
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => from(address, path, { ...user, password: `Parallel-${address}-${i}` })));
      const seconds = (Date.now() - started) / 1000;
      const refused = answers.filter((a) => a.status === 429);
      const checked = answers.filter((a) => a.status === 401).length;
      expect(checked + refused.length).toBe(30);
      // checked: five free failures, then locks of 1 s, 2 s, 4 s ... after each of which at most two
      // (the in-flight bound) get through: a bound that grows with the log of how long the burst
      // took on a loaded machine, far below the 30 an unthrottled server checks
      expect(checked).toBeLessThanOrEqual(9 + 2 * Math.ceil(Math.log2(2 + seconds)));
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) {
        expect(answer.code).toBe(code);
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      }
    }
    // the owner, from an address of their own, is not affected
    expect((await login('127.0.30.3', user)).status).toBe(200);
  });
});
