import { readFileSync } from 'node:fs';
import type { Target } from './target';

const POLL_MS = 200;
/** at most this much CPU time per poll (10 ms in 200 ms: 5% of a core) counts as idle */
const IDLE_TICKS = 1;
/** with --profile-api the sampler's own thread (a sample every 200 µs) keeps an idle api above that: 30% of a core */
const IDLE_TICKS_PROFILED = 6;
const QUIET_POLLS_NEEDED = 3;

/**
 * Waits until the registry has finished what the previous scenario left in flight: a closed
 * loop stops by dropping its connections, and the server goes on with the requests it had
 * (on Wharf a burst of manifest PUTs can hold every pooled database connection for seconds,
 * which the next scenario would otherwise measure). Quiet = the process uses (almost) no CPU
 * and `busy()` (Wharf: statements running in its database) says false, several polls in a row.
 * Returns the seconds waited, or throws when the registry is still busy after `timeoutMs`.
 */
export async function waitUntilQuiet(target: Target, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  let quietPolls = 0;
  let ticks = cpuTicks(target.process.pid);
  while (quietPolls < QUIET_POLLS_NEEDED) {
    if (Date.now() - started > timeoutMs) throw new Error(`${target.label} was still busy ${timeoutMs / 1000} s after the previous scenario`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    target.process.assertAlive();
    const now = cpuTicks(target.process.pid);
    const idle = now - ticks <= (target.profiler ? IDLE_TICKS_PROFILED : IDLE_TICKS) && !(await target.busy?.());
    ticks = now;
    quietPolls = idle ? quietPolls + 1 : 0;
  }
  return (Date.now() - started) / 1000;
}

/** utime + stime of a process in clock ticks (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) may contain spaces: count fields after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
