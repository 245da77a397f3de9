import type { IncomingMessage } from 'node:http';

export interface BodyLimits {
  maxBytes: number;
  /** the whole body must have arrived this long after reading starts */
  timeoutMs: number;
}

/** Why a body was not read to its end; `statusCode` is what the caller is answered (Fastify's convention). */
export class BodyRefusedError extends Error {
  constructor(
    readonly statusCode: 408 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'BodyRefusedError';
  }
}

/**
 * Reads a request body as UTF-8 text, bounded in size and in time. A declared Content-Length
 * over the limit is refused before a byte is read; past either bound reading stops and the rest
 * stays unread (the caller answers with `connection: close`, so it never is). A slow sender thus
 * holds at most `maxBytes` for at most `timeoutMs`.
 */
export function readBodyText(raw: IncomingMessage, limits: BodyLimits): Promise<string> {
  const declared = Number(raw.headers['content-length']);
  if (declared > limits.maxBytes) return Promise.reject(tooLarge(limits));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error?: Error): void => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', onEnd).off('error', stop);
      if (error) {
        raw.pause();
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, size).toString('utf8'));
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBytes) return stop(tooLarge(limits));
      chunks.push(chunk);
    };
    const onEnd = (): void => stop();
    const timer = setTimeout(() => stop(new BodyRefusedError(408, `the request body did not arrive within ${limits.timeoutMs / 1000} seconds`)), limits.timeoutMs);
    raw.on('data', onData).on('end', onEnd).on('error', stop);
  });
}

function tooLarge(limits: BodyLimits): BodyRefusedError {
  return new BodyRefusedError(413, `request body is too large (at most ${limits.maxBytes} bytes)`);
}
