import { readFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';

/** The machine a result was measured on: figures from different machines are not comparable. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGB: number;
  kernel: string;
  hostname: string;
  node: string;
  platform: string;
  /** 1, 5 and 15 minute load averages when the run ended (other work on the machine shows here) */
  loadAverage: number[];
}

export function describeMachine(): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: cpus().length,
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `Linux ${release()}`,
    hostname: hostname(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** "<cpu model>, <n> cores, <RAM> GB RAM, <kernel>" */
export function machineLine(machine: MachineInfo): string {
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGB} GB RAM, ${machine.kernel}, node ${machine.node}, load average ${machine.loadAverage.join(' / ')}`;
}

function cpuModel(): string {
  const fromOs = cpus()[0]?.model?.trim();
  if (fromOs && fromOs !== 'unknown') return fromOs;
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}
