import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { SqlExecutor } from '@wharf/db';
import { EventConsumer, EventOutbox, EventStream, EventType, type EventHandler, type OutboxEntry, type RegistryEvent } from '@wharf/events';
import { createServer, type Server } from 'node:http';
import { Client } from 'pg';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { streamConsumed } from '../support/event-stream';
import { eventually } from '../support/eventually';
import { callApi } from '../support/management-api';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { spawnWorker, type WorkerProcess } from '../support/worker-context';

const PROJECT = 'stream';

/** A consumer the worker did not have before: it records the tag of every push handed to it. */
@EventConsumer({ name: 'late-probe', types: [EventType.PushArtifact] })
@Injectable()
class LateProbe implements EventHandler {
  readonly seen: string[] = [];

  async handle(_tx: SqlExecutor, events: RegistryEvent[]): Promise<void> {
    for (const event of events) if (event.type === EventType.PushArtifact) this.seen.push(event.data.tags[0]);
  }
}

const push = (tag: string): OutboxEntry => ({
  type: EventType.PushArtifact,
  data: { repository: `${PROJECT}/app`, digest: `sha256:${tag.padStart(64, '0')}`, tags: [tag], operator: 'admin' },
});

/**
 * The outbox read as a stream by named consumers, each with its own cursor: the real webhook
 * and audit consumers in a real worker process killed in the middle of their batches, a
 * consumer added later, a transaction that commits after a later event was consumed, and the
 * lag the api reports.
 */
describe('event stream: consumers with their own cursors', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let receiver: Server;
  const workers: WorkerProcess[] = [];

  const outbox = () => api.app.get(EventOutbox);
  const cursors = async (): Promise<Record<string, number>> =>
    Object.fromEntries((await db.query<{ name: string; position: string }>(`SELECT name, position FROM event_consumer`)).rows.map((r) => [r.name, Number(r.position)]));
  const head = async (): Promise<number> => Number((await db.query<{ position: string }>(`SELECT position FROM event_stream_head`)).rows[0].position);

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    environment = await createTestEnvironment();
    api = await startApi(environment);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    expect((await callApi(api.url, 'PUT', '/configurations', { body: { webhook_allow_local_network: true } })).status).toBe(200);
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: PROJECT } })).status).toBe(201);
    const policy = {
      name: 'every-push',
      targets: [{ type: 'http', address: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`, payload_format: 'Default' }],
      event_types: ['PUSH_ARTIFACT'],
      enabled: true,
    };
    expect((await callApi(api.url, 'POST', `/projects/${PROJECT}/webhook/policies`, { body: policy })).status).toBe(201);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGKILL');
    await db?.end();
    await api?.close();
    await environment?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('after a worker is killed in the middle of both consumers\' batches, each consumer has handled every event exactly once', async () => {
    const tags = Array.from({ length: 450 }, (_, i) => `t${String(i).padStart(4, '0')}`);
    const first = spawnWorker(environment);
    workers.push(first);
    await outbox().append(tags.slice(0, 150).map(push));
    await streamConsumed(api.app, ['webhooks', 'audit'], 60_000);
    expect(await cursors()).toMatchObject({ webhooks: 150, audit: 150 });

    // hold both consumers inside their next batch: each has claimed its cursor and read its
    // events, and waits to write its first effect (an audit row, a webhook execution)
    // nothing else of the worker's may wait on the locks below (deliveries update their tasks)
    await eventually(async () => (await db.query(`SELECT 1 FROM task WHERE status NOT IN ('Success', 'Error', 'Stopped') LIMIT 1`)).rows.length === 0, 60_000);
    const locker = new Client({ connectionString: environment.config.DATABASE_URL });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE audit_log, execution IN SHARE ROW EXCLUSIVE MODE');
    await outbox().append(tags.slice(150, 400).map(push));
    await eventually(async () => {
      const { rows } = await db.query<{ audit: number; webhooks: number }>(
        `SELECT count(*) FILTER (WHERE query LIKE '%INSERT INTO audit_log%')::int AS audit,
                count(*) FILTER (WHERE query LIKE '%INSERT INTO execution%')::int AS webhooks
           FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows[0].audit > 0 && rows[0].webhooks > 0;
    }, 60_000);
    await first.kill('SIGKILL');
    await locker.query('ROLLBACK');
    await locker.end();
    // the killed batches left nothing: the cursors are where the last commit put them
    expect(await cursors()).toMatchObject({ webhooks: 150, audit: 150 });

    await outbox().append(tags.slice(400).map(push));
    workers.push(spawnWorker(environment));
    await streamConsumed(api.app, ['webhooks', 'audit'], 90_000);
    expect(await head()).toBe(450);
    expect(await cursors()).toMatchObject({ webhooks: 450, audit: 450 });

    const audited = await db.query<{ resource: string; n: number }>(
      `SELECT resource, count(*)::int AS n FROM audit_log WHERE operation = 'create' AND resource_type = 'artifact' AND starts_with(resource, $1) GROUP BY resource ORDER BY resource`,
      [`${PROJECT}/app:`],
    );
    expect(audited.rows).toEqual(tags.map((tag) => ({ resource: `${PROJECT}/app:${tag}`, n: 1 })));
    const eventIds = (await db.query<{ id: string }>(`SELECT id FROM event_outbox ORDER BY id`)).rows.map((r) => Number(r.id));
    expect(eventIds).toHaveLength(450);
    const executions = await db.query<{ event_id: string; n: number }>(
      `SELECT extra_attrs->>'event_id' AS event_id, count(*)::int AS n FROM execution WHERE vendor_type = 'WEBHOOK' GROUP BY 1 ORDER BY (extra_attrs->>'event_id')::bigint`,
    );
    expect(executions.rows).toEqual(eventIds.map((id) => ({ event_id: String(id), n: 1 })));
    for (const worker of workers.splice(0)) await worker.kill('SIGTERM');
  });

  describe('with a consumer the worker did not have before', () => {
    let worker: INestApplicationContext | undefined;
    let probe: LateProbe;

    afterAll(async () => {
      await worker?.close();
    });

    it('starts it from now: what was written before it existed is not handed to it', async () => {
      await outbox().append([push('before')]);
      worker = await NestFactory.createApplicationContext({ module: class ProbeWorkerModule {}, imports: [WorkerModule.forRoot(environment.config)], providers: [LateProbe] }, { logger: ['error'] });
      await worker.init();
      probe = worker.get(LateProbe);
      await outbox().append([push('after')]);
      await streamConsumed(api.app, ['late-probe', 'audit']);
      expect(probe.seen).toEqual(['after']);
      // the consumers that were there saw both
      const audited = await db.query(`SELECT resource FROM audit_log WHERE resource = ANY($1::text[])`, [[`${PROJECT}/app:before`, `${PROJECT}/app:after`]]);
      expect(audited.rows).toHaveLength(2);
    });

    it('loses no event whose transaction commits after a later event was consumed', async () => {
      const late = new Client({ connectionString: environment.config.DATABASE_URL });
      await late.connect();
      try {
        await late.query('BEGIN');
        const tx: SqlExecutor = { query: async (text, params) => (await late.query(text, params)).rows };
        await outbox().write(tx, [push('written-first')]);
        await outbox().append([push('committed-first')]);
        await eventually(async () => probe.seen.includes('committed-first'));
        await late.query('COMMIT');
      } finally {
        await late.end();
      }
      await streamConsumed(api.app, ['late-probe']);
      expect(probe.seen).toEqual(['after', 'committed-first', 'written-first']);
      // the outbox ids say the opposite order: a cursor on ids would have skipped 'written-first'
      const ids = await db.query<{ tag: string; id: string; position: string }>(
        `SELECT payload->'tags'->>0 AS tag, id, position FROM event_outbox WHERE payload->'tags'->>0 IN ('written-first', 'committed-first') ORDER BY id`,
      );
      expect(ids.rows.map((r) => r.tag)).toEqual(['written-first', 'committed-first']);
      expect(Number(ids.rows[0].position)).toBeGreaterThan(Number(ids.rows[1].position));
    });

    it('reports every consumer\'s lag in the api\'s health answer', async () => {
      await worker!.close();
      worker = undefined;
      await outbox().append([push('unread-1'), push('unread-2')]);
      const health = await fetch(`${api.url}/api/v2.0/health`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as { status: string; components: { name: string; status: string; consumers?: { name: string; behind: number; oldest_age_seconds: number }[] }[] };
      expect(body.status).toBe('healthy');
      expect(body.components.map((c) => c.name)).toEqual(['database', 'redis', 'storage', 'worker', 'event_stream']);
      const stream = body.components.find((c) => c.name === 'event_stream')!;
      expect(stream.status).toBe('healthy');
      expect(stream.consumers!.map((c) => [c.name, c.behind])).toEqual([
        ['audit', 2],
        ['late-probe', 2],
        ['preheat', 2],
        ['replication', 2],
        ['scan-on-push', 2],
        ['webhooks', 2],
      ]);
      expect(stream.consumers!.every((c) => c.oldest_age_seconds >= 0)).toBe(true);
      expect((await api.app.get(EventStream).lag()).map((c) => c.behind)).toEqual([2, 2, 2, 2, 2, 2]);
    });
  });
});
