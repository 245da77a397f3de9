import { LOG_REDACTION, type AppConfig } from '@wharf/config';
import type { Params } from 'nestjs-pino';

/** Structured logs for the worker: no request lines (it serves none), the same secrets censored as the api's. */
export function workerLoggerOptions(config: Pick<AppConfig, 'LOG_LEVEL'>): Params {
  return { pinoHttp: { level: config.LOG_LEVEL, redact: LOG_REDACTION } };
}
