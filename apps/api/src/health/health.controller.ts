import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { REDIS } from '@wharf/redis';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';

type ComponentStatus = { name: string; status: 'healthy' | 'unhealthy'; error?: string };

/** Liveness of the api and the services it needs, in Harbor's /api/v2.0/health shape. */
@Controller()
export class HealthController {
  constructor(
    private readonly sql: SqlClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get(['health', 'api/v2.0/health'])
  @HttpCode(200)
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string; components: ComponentStatus[] }> {
    const components = await Promise.all([
      check('database', () => this.sql.query('SELECT 1')),
      check('redis', () => this.redis.ping()),
    ]);
    const healthy = components.every((c) => c.status === 'healthy');
    if (!healthy) void reply.status(503);
    return { status: healthy ? 'healthy' : 'unhealthy', components };
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
