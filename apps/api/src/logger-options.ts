import { LOG_REDACTION, type AppConfig } from '@wharf/config';
import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isClientAbort } from './http/client-abort';

/** Structured logs with a request id on every line; credentials never reach a log line. */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.LOG_LEVEL,
      genReqId: (request: IncomingMessage) => (request.headers['x-request-id'] as string | undefined) ?? randomUUID(),
      redact: LOG_REDACTION,
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => {
        // a client that went away (mid-download, mid-upload) is worth a line, not an error
        if ((error && isClientAbort(error)) || (!error && !res.writableEnded)) return 'info';
        return error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug';
      },
      // a 5xx answer has its cause logged (with an error id) by the exception filters: the request
      // line needs no made-up error whose stack is pino-http's own
      customErrorObject: (_req, _res, error, object: Record<string, unknown>) => (error.message.startsWith('failed with status code') ? { ...object, err: undefined } : object),
      autoLogging: true,
    },
  };
}
