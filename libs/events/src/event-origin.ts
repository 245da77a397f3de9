import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a change was asked from: the client's address and user agent (what the audit log keeps besides the operator). */
export interface EventOrigin {
  clientIp?: string;
  userAgent?: string;
}

const origins = new AsyncLocalStorage<EventOrigin>();

/**
 * The origin of the request being served, carried alongside its async work. The api sets it once
 * per request (apps/api/src/http/event-origin.interceptor.ts) and the outbox adds it to the
 * artifact events written meanwhile, so the commands that write events (libs/artifacts) need no
 * request-shaped parameter and the worker's own events simply have none.
 */
export const EventOrigins = {
  run<T>(origin: EventOrigin, work: () => T): T {
    return origins.run(origin, work);
  },
  current(): EventOrigin | undefined {
    return origins.getStore();
  },
};
