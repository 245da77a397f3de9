import { Injectable, Logger as NestLogger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@wharf/config';
import { LoggerModule, Logger, PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { Writable } from 'node:stream';
import { WorkerModule } from './worker.module';

/** The logger parameters WorkerModule really registers (read from its LoggerModule import, not rebuilt here). */
function workerLoggerParams(): Params {
  const worker = WorkerModule.forRoot(loadConfig({ LOG_LEVEL: 'info' }));
  const logger = (worker.imports ?? []).find((imported): imported is DynamicModule => (imported as DynamicModule).module === LoggerModule);
  const provider = (logger?.providers ?? []).find((p) => typeof p === 'object' && 'provide' in p && p.provide === PARAMS_PROVIDER_TOKEN) as { useValue: Params } | undefined;
  if (!provider) throw new Error('WorkerModule registers no LoggerModule.forRoot');
  return provider.useValue;
}

@Injectable()
class LeakyService {
  private readonly logger = new NestLogger('RegistryHealth');

  logEndpoint(): void {
    // the shapes worker code hands the logger: an entity one level down, and fields at the top
    this.logger.warn({ endpoint: { name: 'hub', password: 'pw-nested', access_secret: 'as-nested', auth_header: 'Basic aGk6dGhlcmU=', authorization: 'Bearer tok-nested' }, secret: 'top-secret', password: 'pw-top' }, 'endpoint unhealthy');
  }
}

describe('worker logs', () => {
  it('censor password, secret, access_secret, auth_header and authorization like the api', async () => {
    const params = workerLoggerParams();
    let output = '';
    const capture = new Writable({ write: (chunk, _encoding, done) => ((output += chunk.toString()), done()) });

    @Module({ imports: [LoggerModule.forRoot({ ...params, pinoHttp: [params.pinoHttp as Options, capture] })], providers: [LeakyService] })
    class CapturedWorkerLogs {}

    const app = await NestFactory.createApplicationContext(CapturedWorkerLogs, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    try {
      app.get(LeakyService).logEndpoint();
    } finally {
      await app.close();
    }

    const line = output.split('\n').map((l) => (l ? JSON.parse(l) : undefined)).find((entry) => entry?.msg === 'endpoint unhealthy');
    expect(line).toBeDefined();
    expect(line.endpoint).toEqual({ name: 'hub', password: '*****', access_secret: '*****', auth_header: '*****', authorization: '*****' });
    expect(line.secret).toBe('*****');
    expect(line.password).toBe('*****');
    for (const secret of ['pw-nested', 'as-nested', 'aGk6dGhlcmU', 'tok-nested', 'top-secret', 'pw-top']) expect(output).not.toContain(secret);
  });
});
