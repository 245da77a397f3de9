import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'node:worker_threads';

/** A running digest whose hashing happens on the worker thread, in the order `update` was called. */
export interface OffThreadDigest {
  /** Hashes bytes [0, length) of `shared`; the caller must not change them afterwards (a fresh buffer each time). */
  update(shared: SharedArrayBuffer, length: number): void;
  /** `<algorithm>:<hex>` of everything passed to `update`; ends the digest. */
  finish(): Promise<string>;
}

type WorkerRequest = { id: number; algorithm?: string; shared?: SharedArrayBuffer; length?: number; finish?: boolean };
type WorkerAnswer = { id: number; digest?: string; error?: string };

// inline, so it loads the same from dist/ (node) and from the TypeScript sources (jest)
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const running = new Map();
parentPort.on('message', (message) => {
  try {
    let hash = running.get(message.id);
    if (!hash) {
      hash = createHash(message.algorithm);
      running.set(message.id, hash);
    }
    if (message.shared) hash.update(new Uint8Array(message.shared, 0, message.length));
    if (message.finish) {
      running.delete(message.id);
      parentPort.postMessage({ id: message.id, digest: hash.digest('hex') });
    }
  } catch (error) {
    running.delete(message.id);
    parentPort.postMessage({ id: message.id, error: String(error && error.message || error) });
  }
});
`;

const ALGORITHMS = new Set(['sha256', 'sha512']);

interface RunningWorker {
  worker: Worker;
  waiting: Map<number, { resolve: (hex: string) => void; reject: (error: Error) => void }>;
  /** why it stopped: its digests fail, the next one starts another worker */
  stopped?: Error;
}

/**
 * SHA-256/512 of blob bodies on one worker thread, so a cold proxy pull's hashing does not
 * compete with sending its bytes on the event loop. The bytes travel in SharedArrayBuffers the
 * caller filled (never copied again); messages on one port are handled in order, so a digest's
 * updates are hashed in the order given. Started on first use, it does not hold the process
 * open, and one that died is replaced by the next digest (the digests it was running fail).
 */
@Injectable()
export class OffThreadDigests implements OnModuleDestroy {
  private current?: RunningWorker;
  private nextId = 1;

  start(algorithm: string): OffThreadDigest {
    if (!ALGORITHMS.has(algorithm)) throw new TypeError(`unsupported digest algorithm: ${algorithm}`);
    const current = this.running();
    const id = this.nextId++;
    let first = true;
    let finished = false;
    const post = (request: WorkerRequest) => {
      if (first) request.algorithm = algorithm;
      first = false;
      current.worker.postMessage(request);
    };
    return {
      update: (shared, length) => {
        if (finished) throw new Error('digest already finished');
        if (length > 0) post({ id, shared, length });
      },
      finish: () => {
        if (finished) throw new Error('digest already finished');
        finished = true;
        if (current.stopped) return Promise.reject(current.stopped);
        const answer = new Promise<string>((resolve, reject) => current.waiting.set(id, { resolve, reject }));
        post({ id, finish: true });
        return answer.then((hex) => `${algorithm}:${hex}`);
      },
    };
  }

  async onModuleDestroy(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.worker.terminate();
  }

  private running(): RunningWorker {
    if (this.current && !this.current.stopped) return this.current;
    const current: RunningWorker = { worker: new Worker(WORKER_SOURCE, { eval: true }), waiting: new Map() };
    current.worker.unref();
    current.worker.on('message', (answer: WorkerAnswer) => {
      const waiter = current.waiting.get(answer.id);
      if (!waiter) return;
      current.waiting.delete(answer.id);
      if (answer.digest !== undefined) waiter.resolve(answer.digest);
      else waiter.reject(new Error(`hashing failed: ${answer.error}`));
    });
    const stop = (error: Error) => {
      current.stopped ??= error;
      for (const waiter of current.waiting.values()) waiter.reject(error);
      current.waiting.clear();
    };
    current.worker.on('error', stop);
    current.worker.on('exit', (code) => stop(new Error(`the hashing worker exited (code ${code})`)));
    this.current = current;
    return current;
  }
}
