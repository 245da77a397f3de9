import { setFlagsFromString } from 'node:v8';

/** The old generation may grow to twice what a full collection left live (1 + percent / 100). */
export const HEAP_GROWING_FLAG = '--heap-growing-percent=100';

/**
 * Lets V8's old generation grow to twice its live size between full collections. Called first
 * thing by the api's entry point; an operator's own `--heap-growing-percent` (on node's command
 * line: NODE_OPTIONS may not carry it) wins.
 *
 * Why: every socket read allocates a fresh 64 KiB buffer that V8 counts as external memory, and
 * a blob streaming through the api (a cold proxy pull: upstream to storage and to the client)
 * reads hundreds of megabytes of them. During such pulls V8 kept the next full collection only
 * 16 MB above the live heap (a limit of 62 MB for 46 MB live, read off --trace-incremental-marking),
 * so every few megabytes promoted started another full mark of the whole heap: 30-33 full
 * collections in the bench's three cold pulls of 262 MB, a third of the api's CPU, mostly on
 * V8's marking threads. With the factor fixed at 2 there were 12-15, and the api's CPU per cold
 * pull fell from 2.1-3.3 to 1.3-2.0 s. The idle-time release (idle-heap-release.ts) still
 * gives the memory back once the load stops.
 */
export function growHeapBetweenFullCollections(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): void {
  if (execArgv.some((arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) return;
  setFlags(HEAP_GROWING_FLAG);
}
