import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'node:worker_threads';

/** A running digest whose hashing happens on the worker thread, in the order `update` was called. */
export interface OffThreadDigest {
  /** Hashes bytes [offset, offset + length) of `shared`; resolves once they are hashed (the caller may then reuse the buffer). */
  update(shared: SharedArrayBuffer, length: number, offset?: number): Promise<void>;
  /** `<algorithm>:<hex>` of everything passed to `update`; ends the digest. */
  finish(): Promise<string>;
}

type WorkerRequest = { id: number; algorithm?: string; shared?: SharedArrayBuffer; offset?: number; length?: number; finish?: boolean };
type WorkerAnswer = { id: number; hashed?: boolean; digest?: string; error?: string };

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
    if (message.shared) {
      hash.update(new Uint8Array(message.shared, message.offset, message.length));
      parentPort.postMessage({ id: message.id, hashed: true });
    }
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
  /** per digest, in order: its updates not yet hashed, then its finish */
  waiting: Map<number, { resolve: (hex: string) => void; reject: (error: Error) => void }[]>;
  /** why it stopped: its digests fail, the next one starts another worker */
  stopped?: Error;
}

/**
 * SHA-256/512 of blob bodies on one worker thread, so a cold proxy pull's hashing does not
 * compete with sending its bytes on the event loop. The bytes travel in SharedArrayBuffers the
 * caller filled and reuses once told they are hashed; messages on one port are handled in order,
 * so a digest's updates are hashed (and answered) in the order given. Started on first use, it does not hold the process
 * open, and one that died (or was terminated at shutdown) is replaced by the next digest (the
 * digests it was running fail). One per process (`shared()`): the proxy cache's tee and the S3
 * driver's part hashes go to the same thread.
 */
@Injectable()
export class OffThreadDigests implements OnModuleDestroy {
  private static instance?: OffThreadDigests;
  private current?: RunningWorker;
  private nextId = 1;

  /** The process's one hashing thread. */
  static shared(): OffThreadDigests {
    return (OffThreadDigests.instance ??= new OffThreadDigests());
  }

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
    const answer = <T>(): Promise<T> => {
      if (current.stopped) return Promise.reject(current.stopped);
      return new Promise<T>((resolve, reject) => {
        const queue = current.waiting.get(id) ?? [];
        // held open while an answer is awaited, not while idle
        if (current.waiting.size === 0) current.worker.ref();
        queue.push({ resolve: resolve as (value: string) => void, reject });
        current.waiting.set(id, queue);
      });
    };
    return {
      update: (shared, length, offset = 0) => {
        if (finished) throw new Error('digest already finished');
        if (length === 0) return Promise.resolve();
        const hashed = answer<void>();
        post({ id, shared, offset, length });
        return hashed;
      },
      finish: () => {
        if (finished) throw new Error('digest already finished');
        finished = true;
        const digest = answer<string>();
        post({ id, finish: true });
        return digest.then((hex) => `${algorithm}:${hex}`);
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
    current.worker.on('message', (answer: WorkerAnswer) => {
      const queue = current.waiting.get(answer.id);
      const waiter = queue?.shift();
      if (!waiter) return;
      if (queue!.length === 0) current.waiting.delete(answer.id);
      if (current.waiting.size === 0) current.worker.unref();
      if (answer.error !== undefined) {
        // the digest is unusable: everything still waiting on it fails too
        waiter.reject(new Error(`hashing failed: ${answer.error}`));
        for (const rest of queue!.splice(0)) rest.reject(new Error(`hashing failed: ${answer.error}`));
        current.waiting.delete(answer.id);
        if (current.waiting.size === 0) current.worker.unref();
      } else {
        waiter.resolve(answer.digest ?? '');
      }
    });
    const stop = (error: Error) => {
      current.stopped ??= error;
      for (const queue of current.waiting.values()) for (const waiter of queue) waiter.reject(error);
      current.waiting.clear();
    };
    current.worker.on('error', stop);
    current.worker.on('exit', (code) => stop(new Error(`the hashing worker exited (code ${code})`)));
    // after the listeners (adding a 'message' listener refs the worker again): an idle hashing
    // thread does not hold the process open
    current.worker.unref();
    this.current = current;
    return current;
  }
}
