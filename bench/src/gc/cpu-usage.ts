import { readFileSync, readdirSync } from 'node:fs';

/** Linux USER_HZ: /proc times are in 1/100 s on every architecture Node runs on. */
const TICKS = 100;

/** CPU seconds used so far, by group: named pids, processes by command name, and the whole machine. */
export type CpuSnapshot = Record<string, number>;

function processSeconds(pid: number): { comm: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime and stime are fields 14 and 15
    return { comm, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS };
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * `pids`: processes counted under their own label (the api, the worker); `commands`: every
 * other process with that command name summed (postgres, radosgw, ceph-osd); `machine`: busy
 * time of all CPUs (/proc/stat), so what the rest of the machine did shows as the remainder.
 */
export function cpuSnapshot(pids: Record<string, number>, commands: string[]): CpuSnapshot {
  const snapshot: CpuSnapshot = {};
  const named = new Set(Object.values(pids));
  for (const [label, pid] of Object.entries(pids)) snapshot[label] = processSeconds(pid)?.seconds ?? 0;
  for (const command of commands) snapshot[command] = 0;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || named.has(pid)) continue;
    const usage = processSeconds(pid);
    if (usage && commands.includes(usage.comm)) snapshot[usage.comm] += usage.seconds;
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
  snapshot.machine = (cpu.reduce((a, b) => a + b, 0) - cpu[3] - (cpu[4] ?? 0)) / TICKS;
  return snapshot;
}

/** CPU seconds per group between two snapshots, with `rest` = machine minus the groups. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const used: Record<string, number> = {};
  for (const key of Object.keys(after)) used[key] = Math.max(0, after[key] - (before[key] ?? 0));
  used.rest = Math.max(0, used.machine - Object.entries(used).reduce((sum, [k, v]) => (k === 'machine' ? sum : sum + v), 0));
  for (const key of Object.keys(used)) used[key] = Math.round(used[key] * 10) / 10;
  return used;
}
