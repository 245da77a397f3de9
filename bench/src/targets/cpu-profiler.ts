import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CutReply, CutRequest } from './cpu-profile-preload';
import type { ManagedProcess } from './managed-process';

/** Bench side of cpu-profile-preload.ts: one profile per measured window of a scenario. */
export class CpuProfiler {
  readonly dir: string;

  constructor(
    private readonly api: ManagedProcess,
    dir: string,
  ) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
  }

  /** Drops what was sampled so far (setup, warm-up), so the next profile covers the measurement only. */
  async begin(): Promise<void> {
    rmSync(await this.cut('.discard'), { force: true });
  }

  /** Writes the samples since begin() to <dir>/<name>.cpuprofile; returns its path. */
  end(name: string): Promise<string> {
    return this.cut(name);
  }

  private async cut(name: string): Promise<string> {
    const request: CutRequest = { type: 'wharf-bench-profile-cut', name };
    const reply = await this.api.request(request, (m) => ((m as CutReply)?.type === 'wharf-bench-profile-written' && (m as CutReply).name === name ? (m as CutReply) : undefined), 30_000);
    if (!reply.path) throw new Error(`the api could not write its CPU profile: ${reply.error}`);
    return reply.path;
  }
}
