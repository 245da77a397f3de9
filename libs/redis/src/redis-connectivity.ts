import Redis from 'ioredis';

const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:*****@');

/** Fails fast with instructions when Redis cannot be reached. */
export async function assertRedisReachable(redisUrl: string): Promise<void> {
  // a Redis that accepts connections but does not answer fails too, not hangs the start
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, commandTimeout: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${redact(redisUrl)} (${(error as Error).message}).\n` +
        `Start it (Debian: 'redis-server --daemonize yes', or 'docker compose up -d redis') or set REDIS_URL.`,
    );
  } finally {
    client.disconnect();
  }
}
