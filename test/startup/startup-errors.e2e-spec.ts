import { spawn } from 'node:child_process';
import { builtEntry } from '../support/api-process';

/** Runs a built process to its exit and returns its code and output. */
function runToExit(entry: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.each(['api', 'worker', 'scanner'] as const)('the %s process refuses to start, saying why', (app) => {
  it('when Postgres is unreachable, and says how to start it', async () => {
    const { code, output } = await runToExit(builtEntry(app), { DATABASE_URL: 'postgres://wharf:hunter2@127.0.0.1:1/wharf' });
    expect(code).toBe(1);
    expect(output).toContain('PostgreSQL is not reachable at postgres://wharf:*****@127.0.0.1:1/wharf');
    expect(output).toMatch(/Start it/);
    expect(output).not.toContain('hunter2');
  });

  it('when Redis is unreachable, and says how to start it', async () => {
    const { code, output } = await runToExit(builtEntry(app), { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(output).toContain('Redis is not reachable at redis://127.0.0.1:1');
    expect(output).toMatch(/redis-server/);
  });

  it('when a setting is invalid, naming the variable', async () => {
    const { code, output } = await runToExit(builtEntry(app), { STORAGE_DRIVER: 'floppy' });
    expect(code).toBe(1);
    expect(output).toMatch(/STORAGE_DRIVER/);
  });
});

it('the scanner refuses to start on a database without its table, saying how to create it', async () => {
  const { code, output } = await runToExit(builtEntry('scanner'), { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
  expect(code).toBe(1);
  expect(output).toMatch(/scanner_scan is missing.*npm run migration:run/);
});
