import { spawn, type ChildProcess } from 'node:child_process';
import { builtEntry, freePort } from './api-process';
import { TEST_ADMIN } from './test-credentials';
import { createTestEnvironment, type StorageKind } from './wharf-app';

/**
 * A second, independent Wharf (the BUILT api in its own process) to stand as an upstream for
 * the Wharf under test: its own migrated Postgres database, its own storage (a temp dir, or a
 * bucket on the test RadosGW), its own Redis prefix, on a fixed free port so stop()/start()
 * brings it back at the same URL with the same content.
 */
export interface SecondWharf {
  url: string;
  adminPassword: string;
  /** the env it runs with (STORAGE_*, DATABASE_URL, ...) */
  env: Record<string, string>;
  /** ends the process; storage and database stay */
  stop(): Promise<void>;
  /** starts it again (after stop) on the same port */
  start(): Promise<void>;
  /** stops it and drops its database and storage */
  close(): Promise<void>;
  /** what the process printed, for failure messages */
  output(): string;
}

export interface SecondWharfOptions {
  storage?: StorageKind;
  /** more env, e.g. STORAGE_REDIRECT */
  env?: Record<string, string>;
}

export async function startSecondWharf(options: SecondWharfOptions = {}): Promise<SecondWharf> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // createTestEnvironment gives a fresh migrated database, storage, a REDIS_PREFIX named after
  // the database (so no key is shared with the Wharf under test) and ADMIN_PASSWORD
  const environment = await createTestEnvironment(options.storage ?? 'filesystem', { ...options.env, PORT: String(port) });
  const env = environment.env;
  const entry = builtEntry('api');
  let child: ChildProcess | null = null;
  let output = '';

  const start = async (): Promise<void> => {
    if (child) return;
    const started = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout!.on('data', (d) => (output += d));
    started.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (started.exitCode !== null) {
        child = null;
        throw new Error(`second wharf exited with ${started.exitCode}:\n${output}`);
      }
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
      if (Date.now() > deadline) throw new Error(`second wharf did not become healthy:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };

  try {
    await start();
  } catch (error) {
    await environment.close();
    throw error;
  }
  return {
    url,
    adminPassword: TEST_ADMIN.password,
    env,
    start,
    stop,
    close: async () => {
      await stop();
      await environment.close();
    },
    output: () => output,
  };
}
