import { LOG_REDACTION, type AppConfig } from '@wharf/config';
import type { Params } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { levels } from 'pino';
import { accessFactsOf, bytesOut } from './http/access-log';
import { isClientAbort } from './http/client-abort';
import { requestIdOf } from './http/request-id';

/**
 * Structured logs with a request id on every line; credentials never reach a log line. Each
 * request ends in one access line (ACCESS_LOG, on by default): method, path and route template,
 * status, duration (responseTime, ms), bytes in and out, user, client address and request id.
 * With ACCESS_LOG=false only failures (5xx, errors) are logged.
 */
export function loggerOptions(config: AppConfig): Params {
  // at LOG_LEVEL=warn and above the access line is dropped by the logger: 'silent' then saves
  // building it (its fields and message) on every request
  const accessLines = config.ACCESS_LOG && levels.values[config.LOG_LEVEL] <= levels.values.info;
  return {
    pinoHttp: {
      level: config.LOG_LEVEL,
      genReqId: (request: IncomingMessage) => requestIdOf(request),
      redact: LOG_REDACTION,
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => {
        if (error && !isClientAbort(error)) return 'error';
        if (!error && res.statusCode >= 500 && res.writableEnded) return 'error';
        // a client that went away (mid-download, mid-upload) is worth a line, not an error
        return accessLines ? 'info' : 'silent';
      },
      customSuccessObject: (req, res, object: Record<string, unknown>) => ({ ...object, ...accessFields(req, res) }),
      // a 5xx answer has its cause logged (with the request id) by the exception filters: the request
      // line needs no made-up error whose stack is pino-http's own
      customErrorObject: (req, res, error, object: Record<string, unknown>) => ({
        ...object,
        ...accessFields(req, res),
        ...(error.message.startsWith('failed with status code') ? { err: undefined } : {}),
      }),
      autoLogging: true,
    },
  };
}

function accessFields(req: IncomingMessage, res: ServerResponse): Record<string, unknown> {
  const facts = accessFactsOf(req);
  return {
    requestId: requestIdOf(req),
    route: facts?.route,
    user: facts?.user,
    client: facts?.client ?? req.socket?.remoteAddress,
    bytesIn: facts?.bytesIn,
    bytesOut: facts?.bytesOut ?? bytesOut(res),
  };
}
