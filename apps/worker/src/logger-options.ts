import { LOG_REDACTION, type AppConfig } from '@wharf/config';
import type { Params } from 'nestjs-pino';
import { jobLogFields } from './job-log-context';

/**
 * Structured logs for the worker: no request lines (it serves none), the same secrets censored as
 * the api's; a line written while a job runs names the job, its execution and its task.
 */
export function workerLoggerOptions(config: Pick<AppConfig, 'LOG_LEVEL'>): Params {
  return { pinoHttp: { level: config.LOG_LEVEL, redact: LOG_REDACTION, mixin: jobLogFields } };
}
