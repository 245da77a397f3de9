import { LOG_REDACTION, type AppConfig } from '@wharf/config';
import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Structured logs with a request id on every line; the API key and registry credentials never reach a line. */
export function scannerLoggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.LOG_LEVEL,
      genReqId: (request: IncomingMessage) => (request.headers['x-request-id'] as string | undefined) ?? randomUUID(),
      redact: { ...LOG_REDACTION, paths: [...LOG_REDACTION.paths, 'req.headers["x-scanneradapter-api-key"]'] },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // a failed scan's report is a 500 by the spec, not a fault of ours: the filter logs real faults (with an error id)
      customLogLevel: (_req, res) => (res.statusCode >= 400 ? 'info' : 'debug'),
      customErrorObject: (_req, _res, error, object: Record<string, unknown>) => (error.message.startsWith('failed with status code') ? { ...object, err: undefined } : object),
      autoLogging: true,
    },
  };
}
