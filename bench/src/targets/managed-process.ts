import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Cleanup } from '../cleanup';

const OUTPUT_TAIL_BYTES = 16 * 1024;

/**
 * A server process the bench started: keeps the tail of its output (for error reports), knows
 * whether it is still alive, and is stopped by cleanup (SIGTERM, then SIGKILL).
 */
export class ManagedProcess {
  private tail = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (data: Buffer) => {
      this.tail = (this.tail + data.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** `ipc`: a Node child gets a message channel (process.send / 'message'), used by the CPU profiler. */
  static start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cleanup: Cleanup, ipc = false): ManagedProcess {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])] });
    const managed = new ManagedProcess(name, child);
    cleanup.add(`stop ${name}`, () => managed.stop());
    cleanup.addOnExit(() => {
      if (managed.alive) child.kill('SIGKILL');
    });
    return managed;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no pid (spawn failed)`);
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it printed (at most a few KiB). */
  output(lines = 30): string {
    return this.tail.split('\n').slice(-lines).join('\n').trim();
  }

  /** "<name> exited (<code or signal>)" and its last output. */
  exitDescription(): string {
    const output = this.output();
    return `${this.name} exited (${this.child.exitCode ?? this.child.signalCode})${output ? `; last output:\n${output}` : ' without output'}`;
  }

  /** Throws, with its last output, when the process has exited. */
  assertAlive(): void {
    if (!this.alive) throw new Error(this.exitDescription());
  }

  /** Polls `url` until it answers 200 (or the process exits, or the deadline passes). */
  async waitUntilAnswering(url: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertAlive();
      const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${this.name} did not answer ${url} within ${timeoutMs / 1000} s; last output:\n${this.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Sends a message over the ipc channel and resolves with the first reply `accept` takes. */
  request<T>(message: object, accept: (reply: unknown) => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: unknown) => {
        const accepted = accept(reply);
        if (accepted === undefined) return;
        done();
        resolve(accepted);
      };
      const onExit = () => {
        done();
        reject(new Error(this.exitDescription()));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name} did not answer ${JSON.stringify(message)} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }

  stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      this.child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      this.child.kill('SIGTERM');
    });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
