import { readFileSync, writeFileSync } from 'node:fs';

/** A field of /proc/<pid>/status in bytes (the kernel reports kB). */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

/**
 * Resets the kernel's peak-RSS mark (VmHWM) to the current RSS (`echo 5 > clear_refs`, Linux
 * 4.0+, own processes), so VmHWM afterwards is the exact peak of what follows rather than of
 * the whole process life. False when the kernel refuses; the sampled peak still stands.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Peak resident memory of a process while `work` runs: the larger of VmHWM (after a reset)
 * and VmRSS sampled every 20 ms (the sampling alone could miss a short spike).
 */
export async function peakRssDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakBytes: number; startBytes: number }> {
  const exact = resetPeakRss(pid);
  const startBytes = procStatusBytes(pid, 'VmRSS');
  let sampled = startBytes;
  const timer = setInterval(() => {
    try {
      sampled = Math.max(sampled, procStatusBytes(pid, 'VmRSS'));
    } catch {} // the process exited: work() will fail and say why
  }, 20);
  try {
    const result = await work();
    const peakBytes = Math.max(sampled, exact ? procStatusBytes(pid, 'VmHWM') : 0);
    return { result, peakBytes, startBytes };
  } finally {
    clearInterval(timer);
  }
}
