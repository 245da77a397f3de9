import type { AppConfig } from '@wharf/config';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp, type Options } from 'pino-http';
import { loggerOptions } from './logger-options';

/** An api-like server logging through pino-http with the api's options; `status` answers every request. */
async function serverLogging(
  config: Partial<AppConfig>, status: number,
): Promise<{ server: Server; url: string; lines: Record<string, unknown>[]; answered: Promise<void> }> {
  const lines: Record<string, unknown>[] = [];
  let finished!: () => void;
  // pino-http writes the access line on the response's finish, from a listener added before ours
  const answered = new Promise<void>((resolve) => (finished = resolve));
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>));
      done();
    },
  });
  const options = loggerOptions({ LOG_LEVEL: 'info', ACCESS_LOG: true, ...config } as AppConfig).pinoHttp as Options;
  const logging = pinoHttp(options, stream);
  const server = createServer((req, res) => {
    logging(req, res);
    res.once('finish', finished);
    res.statusCode = status;
    res.end('done');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines, answered };
}

async function requestOnce(config: Partial<AppConfig>, status: number): Promise<Record<string, unknown>[]> {
  const { server, url, lines, answered } = await serverLogging(config, status);
  try {
    await (await fetch(`${url}/v2/library/app/manifests/v1`)).text();
    await answered;
    return lines;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('loggerOptions: the access line', () => {
  it('is written at info with the access fields', async () => {
    const lines = await requestOnce({ LOG_LEVEL: 'info' }, 200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', url: '/v2/library/app/manifests/v1' }, res: { statusCode: 200 } });
    expect(lines[0]).toHaveProperty('client', '127.0.0.1');
  });

  it('is not built at warn, where the logger would drop it', async () => {
    const options = loggerOptions({ LOG_LEVEL: 'warn', ACCESS_LOG: true } as AppConfig).pinoHttp as Options;
    const customLogLevel = options.customLogLevel!;
    const ok = { statusCode: 200, writableEnded: true } as never;
    expect(customLogLevel({} as never, ok, undefined)).toBe('silent');
    expect(await requestOnce({ LOG_LEVEL: 'warn' }, 200)).toEqual([]);
  });

  it('still reports a 5xx at warn, as an error', async () => {
    const lines = await requestOnce({ LOG_LEVEL: 'warn' }, 503);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, res: { statusCode: 503 } });
  });

  it('is not written with ACCESS_LOG=false, at any level', async () => {
    expect(await requestOnce({ LOG_LEVEL: 'info', ACCESS_LOG: false }, 200)).toEqual([]);
  });
});
