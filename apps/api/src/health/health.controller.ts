import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { EventStream, type ConsumerLag } from '@wharf/events';
import { REDIS } from '@wharf/redis';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';

type ComponentStatus = { name: string; status: 'healthy' | 'unhealthy'; error?: string };

/** Each consumer of the event stream and how far behind it is (events, and the age of the oldest in seconds). */
type EventStreamStatus = ComponentStatus & { consumers?: { name: string; behind: number; oldest_age_seconds: number }[] };

/**
 * Liveness of the api and the services it needs, in Harbor's /api/v2.0/health shape, plus the
 * lag of the event stream's consumers (run by the worker): a consumer behind is reported, not
 * made unhealthy, since the api serves clients just as well meanwhile.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly sql: SqlClient,
    private readonly stream: EventStream,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get(['health', 'api/v2.0/health'])
  @HttpCode(200)
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string; components: ComponentStatus[] }> {
    const components = await Promise.all([
      check('database', () => this.sql.query('SELECT 1')),
      check('redis', () => this.redis.ping()),
      this.eventStream(),
    ]);
    const healthy = components.every((c) => c.status === 'healthy');
    if (!healthy) void reply.status(503);
    return { status: healthy ? 'healthy' : 'unhealthy', components };
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
