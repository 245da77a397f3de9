import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { SqlClient } from '@wharf/db';
import { EventStream, type ConsumerLag } from '@wharf/events';
import { JobQueues, QueueName } from '@wharf/jobs';
import { REDIS } from '@wharf/redis';
import { BlobStore } from '@wharf/registry-core';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';

type ComponentStatus = { name: string; status: 'healthy' | 'unhealthy'; error?: string };

/** Each consumer of the event stream and how far behind it is (events, and the age of the oldest in seconds). */
type EventStreamStatus = ComponentStatus & { consumers?: { name: string; behind: number; oldest_age_seconds: number }[] };

/** BullMQ workers connected to each queue (the worker process holds one connection per queue it serves). */
type WorkerStatus = ComponentStatus & { queues?: { name: string; workers: number }[] };

/**
 * Liveness of the api and the services it needs, in Harbor's /api/v2.0/health shape
 * (`{"status","components":[{"name","status","error"?}]}`): database, redis and storage decide
 * the overall status (and a 503); the worker (BullMQ workers connected to the queues) and the
 * event stream's consumers are reported, an absent worker or a consumer behind as their own
 * component's state only, since the api serves clients just as well meanwhile.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly sql: SqlClient,
    private readonly stream: EventStream,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly blobs: BlobStore,
    private readonly queues: JobQueues,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  @Get(['health', 'api/v2.0/health'])
  @HttpCode(200)
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string; components: ComponentStatus[] }> {
    const [database, redis, storage, worker, eventStream] = await Promise.all([
      check('database', () => this.sql.query('SELECT 1')),
      check('redis', () => this.redis.ping()),
      check('storage', () => this.blobs.probeStorage()),
      this.worker(),
      this.eventStream(),
    ]);
    const healthy = [database, redis, storage].every((c) => c.status === 'healthy');
    if (!healthy) void reply.status(503);
    return { status: healthy ? 'healthy' : 'unhealthy', components: [database, redis, storage, worker, eventStream] };
  }

  private async worker(): Promise<WorkerStatus> {
    let queues: { name: string; workers: number }[] = [];
    const status = await check('worker', async () => {
      // a queue's connection may still be opening to a Redis that does not answer: bounded like any Redis command
      const counted = Promise.all(Object.values(QueueName).map(async (name) => ({ name, workers: await this.queues.queue(name).getWorkersCount() })));
      queues = await withTimeout(counted, this.config.REDIS_COMMAND_TIMEOUT_SECONDS * 1000, 'the job queues in Redis did not answer');
      if (queues.every((q) => q.workers === 0)) throw new Error('no worker is connected to the job queues');
    });
    return { ...status, queues };
  }

  private async eventStream(): Promise<EventStreamStatus> {
    let lag: ConsumerLag[] = [];
    const status = await check('event_stream', async () => (lag = await this.stream.lag()));
    return { ...status, consumers: lag.map((c) => ({ name: c.name, behind: c.behind, oldest_age_seconds: c.oldestAgeSeconds })) };
  }
}

async function check(name: string, probe: () => Promise<unknown>): Promise<ComponentStatus> {
  try {
    await probe();
    return { name, status: 'healthy' };
  } catch (error) {
    return { name, status: 'unhealthy', error: (error as Error).message };
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
    // a late rejection of the abandoned count must not go unhandled
    promise.catch(() => undefined);
  }
}
