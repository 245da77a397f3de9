/**
 * Imported by the api's entry point: lets V8's old generation grow to twice its live size
 * between full collections, instead of the 16 MiB V8 allows a heap of the api's size (47 MB live).
 *
 * Every socket read allocates a fresh 64 KiB buffer that V8 counts as external memory, and a blob
 * streaming through the api (a cold proxy pull: upstream to storage and client) reads hundreds of
 * megabytes of them. With V8's own limit each few megabytes promoted on top of that started
 * another full mark of the whole heap: 7-11 full collections per 262 MB cold pull, about a third
 * of the api's CPU, mostly in V8's marking threads. A full collection now waits for twice the
 * live heap, and the idle-time release (idle-heap-release.ts) still gives the memory back once
 * the load stops. An operator's own --heap-growing-percent (on node's command line) wins.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 100;

if (!process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
