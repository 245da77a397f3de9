import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@wharf/config';
import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { builtEntry } from './api-process';
import type { TestEnvironment } from './wharf-app';

/** The worker, in this process (its BullMQ consumers run until close()). `extra` overrides settings. */
export async function startWorker(environment: TestEnvironment, extra: Record<string, string> = {}): Promise<INestApplicationContext> {
  const config = loadConfig({ ...environment.env, ...extra });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: ['error'] });
  await app.init();
  return app;
}

export interface WorkerProcess {
  process: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A real worker process (node dist/apps/worker/src/main.js), for tests that kill it. */
export function spawnWorker(environment: TestEnvironment, extra: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, [builtEntry('worker')], { env: { ...process.env, ...environment.env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return {
    process: child,
    output: () => output,
    kill: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

export interface ExecutionRow {
  id: string;
  status: string;
  status_message: string;
  task_status: string;
  task_message: string;
  progress: Record<string, number | string | boolean>;
}

/** The execution and its (single) task as stored. */
export async function readExecution(db: Client, executionId: number): Promise<ExecutionRow> {
  const { rows } = await db.query<ExecutionRow>(
    `SELECT e.id, e.status, e.status_message, t.status AS task_status, t.status_message AS task_message, t.progress
       FROM execution e JOIN task t ON t.execution_id = e.id WHERE e.id = $1`,
    [executionId],
  );
  return rows[0];
}

/**
 * Waits until the execution has ended (Success, Error or Stopped) and returns it. Both its task
 * and the execution itself: the execution's status is derived from its tasks right after a task
 * ends, in a statement of its own, so for a moment the task can be over and the execution not.
 */
export async function waitForExecutionEnd(db: Client, executionId: number, timeoutMs = 120_000): Promise<ExecutionRow> {
  const deadline = Date.now() + timeoutMs;
  const ended = (status: string) => ['Success', 'Error', 'Stopped'].includes(status);
  for (;;) {
    const execution = await readExecution(db, executionId);
    if (ended(execution.task_status) && ended(execution.status)) return execution;
    if (Date.now() > deadline) throw new Error(`execution ${executionId} still ${execution.task_status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function readTaskLog(db: Client, executionId: number): Promise<string[]> {
  const { rows } = await db.query<{ line: string }>(
    `SELECT l.line FROM task_log l JOIN task t ON t.id = l.task_id WHERE t.execution_id = $1 ORDER BY l.id`,
    [executionId],
  );
  return rows.map((r) => r.line);
}
