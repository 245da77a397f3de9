import { DomainError } from './domain-error';

/**
 * A failure as a task log or a worker log line records it: a domain error with its kind (and
 * subject or reason) in front of its message, anything else by its message alone.
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (!(error instanceof DomainError)) return error.message;
  const qualifier = (error as { subject?: string; reason?: string }).subject ?? (error as { reason?: string }).reason;
  return `${error.kind}${qualifier ? ` (${qualifier})` : ''}: ${error.message}`;
}
