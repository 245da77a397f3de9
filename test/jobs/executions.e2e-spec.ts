/**
 * Execution and task records against real Postgres: created before any queueing, status by
 * compare-and-set, derived execution status (CONTRACTS.md section 3), stop, logs, watchdog.
 */
import { Test } from '@nestjs/testing';
import { ConfigModule } from '@wharf/config';
import { DbModule, SqlClient } from '@wharf/db';
import { ExecutionService, deriveExecutionStatus } from '@wharf/jobs';
import type { INestApplicationContext } from '@nestjs/common';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';

describe('execution and task records', () => {
  let environment: TestEnvironment;
  let context: INestApplicationContext;
  let executions: ExecutionService;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(environment.config), DbModule], providers: [ExecutionService] }).compile();
    context = await moduleRef.init();
    executions = context.get(ExecutionService);
  });

  afterAll(async () => {
    await context?.close();
    await environment?.close();
  });

  it('derives the execution status as Harbor does', () => {
    const m = (p: number, r: number, e: number, s: number, ok: number) => ({
      task_count: p + r + e + s + ok, pending_task_count: p, running_task_count: r, error_task_count: e, stopped_task_count: s, success_task_count: ok,
    });
    expect(deriveExecutionStatus(m(1, 0, 1, 0, 0))).toBe('Running');
    expect(deriveExecutionStatus(m(0, 1, 0, 0, 3))).toBe('Running');
    expect(deriveExecutionStatus(m(0, 0, 1, 1, 3))).toBe('Error');
    expect(deriveExecutionStatus(m(0, 0, 0, 1, 3))).toBe('Stopped');
    expect(deriveExecutionStatus(m(0, 0, 0, 0, 3))).toBe('Success');
  });

  it('creates an execution with pending tasks and ends it from its tasks', async () => {
    const { executionId, taskIds } = await executions.create({ vendorType: 'GARBAGE_COLLECTION', tasks: [{ chunk: 1 }, { chunk: 2 }] });
    expect((await executions.get(executionId))?.status).toBe('Running');
    expect(await executions.transition(taskIds[0], 'Running')).toBe(true);
    expect(await executions.transition(taskIds[0], 'Success')).toBe(true);
    expect((await executions.get(executionId))?.metrics).toMatchObject({ task_count: 2, success_task_count: 1, pending_task_count: 1 });
    expect(await executions.transition(taskIds[1], 'Error', 'blob x could not be deleted')).toBe(true);
    const done = await executions.get(executionId);
    expect(done?.status).toBe('Error');
    expect(done?.end_time).toBeInstanceOf(Date);
  });

  it('never lets a late or duplicated update overwrite a final status or a newer revision', async () => {
    const { taskIds } = await executions.create({ vendorType: 'GARBAGE_COLLECTION', tasks: [{}] });
    expect(await executions.transition(taskIds[0], 'Running', '', 0)).toBe(true);
    expect(await executions.transition(taskIds[0], 'Success', '', 0)).toBe(false); // stale revision
    expect(await executions.transition(taskIds[0], 'Stopped')).toBe(true);
    expect(await executions.transition(taskIds[0], 'Success')).toBe(false); // final is final
    expect(await executions.transition(taskIds[0], 'Running')).toBe(false);
  });

  it('stops: pending tasks at once, running ones when their processor checks', async () => {
    const { executionId, taskIds } = await executions.create({ vendorType: 'REPLICATION', tasks: [{}, {}] });
    await executions.transition(taskIds[0], 'Running');
    await executions.requestStop(executionId);
    expect(await executions.stopRequested(executionId)).toBe(true);
    expect((await executions.get(executionId))?.metrics).toMatchObject({ stopped_task_count: 1, running_task_count: 1 });
    expect(await executions.transition(taskIds[0], 'Stopped')).toBe(true);
    expect((await executions.get(executionId))?.status).toBe('Stopped');
  });

  it('keeps a log per task and records progress', async () => {
    const { taskIds } = await executions.create({ vendorType: 'GARBAGE_COLLECTION', tasks: [{}] });
    await executions.transition(taskIds[0], 'Running');
    await executions.log(taskIds[0], 'deleted blob sha256:aaa');
    await executions.log(taskIds[0], 'deleted blob sha256:bbb');
    await executions.progress(taskIds[0], { deleted: 2 });
    expect((await executions.readLog(taskIds[0])).split('\n').filter(Boolean).map((l) => l.split(' ').slice(1).join(' '))).toEqual(['deleted blob sha256:aaa', 'deleted blob sha256:bbb']);
    const rows = await context.get(SqlClient).query<{ progress: { deleted: number } }>(`SELECT progress FROM task WHERE id = $1`, [taskIds[0]]);
    expect(rows[0].progress.deleted).toBe(2);
  });

  it('ends running tasks whose worker stopped answering as Error (watchdog)', async () => {
    const { executionId, taskIds } = await executions.create({ vendorType: 'P2P_PREHEAT', tasks: [{}] });
    await executions.transition(taskIds[0], 'Running');
    await context.get(SqlClient).query(`UPDATE task SET update_time = now() - interval '10 minutes' WHERE id = $1`, [taskIds[0]]);
    expect(await executions.failStaleTasks(300)).toBeGreaterThanOrEqual(1);
    expect((await executions.get(executionId))?.status).toBe('Error');
  });

  it('finishes an execution without tasks at once', async () => {
    const { executionId } = await executions.create({ vendorType: 'GARBAGE_COLLECTION', tasks: [] });
    expect((await executions.get(executionId))?.status).toBe('Success');
  });
});
