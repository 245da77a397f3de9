import type { Client } from 'autocannon';
import { createRequire } from 'node:module';

/**
 * autocannon (9.0) parses responses with http-parser-js and never tells it that a response
 * answers a HEAD, so a HEAD response carrying Content-Length (as the distribution spec
 * requires) makes it wait for a body that never comes: zero requests complete. This marks
 * every response of the client as body-less, the answer a parser gets from its caller for a
 * HEAD request. Use it only for clients that send nothing but HEAD.
 */
const { HTTPParser } = createRequire(require.resolve('autocannon'))('http-parser-js') as { HTTPParser: { kOnHeadersComplete: number } };

export function skipResponseBodies(client: Client): void {
  // autocannon installs its handler right after setupClient returns, so wrap it as it is assigned
  const parser = (client as unknown as { parser: Record<number, unknown> }).parser;
  let wrapped: unknown;
  Object.defineProperty(parser, HTTPParser.kOnHeadersComplete, {
    configurable: true,
    get: () => wrapped,
    set: (handler: (...args: unknown[]) => unknown) => {
      wrapped = (...args: unknown[]) => {
        handler(...args);
        return true; // skipBody
      };
    },
  });
}
