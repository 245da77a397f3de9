import { readFileSync } from 'node:fs';

/** The command line of a process (/proc/<pid>/cmdline, NUL-separated), as a list of arguments. */
export function processCommandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/**
 * Throws unless process `pid` runs `program` itself (as its executable or, for node, its main
 * script): the bench reads memory from /proc/<pid>, and a launcher's or wrapper's pid (npm, sh,
 * a dev runner) would report that process's RSS instead of the server's.
 */
export function assertProcessRuns(pid: number, program: string): void {
  const args = processCommandLine(pid);
  const runs = args[0] === program || (args[0]?.endsWith('node') === true && args.some((a) => a === program));
  if (!runs) throw new Error(`process ${pid} runs "${args.join(' ')}", not ${program}: its RSS would not be the server's`);
}
