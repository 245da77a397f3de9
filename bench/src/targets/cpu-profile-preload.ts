/**
 * Preloaded into the Wharf api (`node --require`) by `--profile-api <dir>`. `node --cpu-prof`
 * writes one profile of the whole process life, and only on a clean exit (the api dies by its
 * re-raised SIGTERM); this samples through the inspector instead and, on each request from
 * the bench over the ipc channel, writes what was sampled since the previous one to
 * <dir>/<name>.cpuprofile and starts afresh, so each scenario gets a profile of its own.
 * (Not a signal: Nest's enableShutdownHooks() shuts the api down on SIGUSR2.)
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

export interface CutRequest {
  type: 'wharf-bench-profile-cut';
  name: string;
}

export interface CutReply {
  type: 'wharf-bench-profile-written';
  name: string;
  path?: string;
  error?: string;
}

const dir = process.env.WHARF_BENCH_CPU_PROFILE_DIR;

if (dir && process.send) {
  const session = new Session();
  session.connect();
  const start = () => session.post('Profiler.start');
  session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, start));
  process.on('message', (message: CutRequest) => {
    if (message?.type !== 'wharf-bench-profile-cut') return;
    session.post('Profiler.stop', (error, result) => {
      const reply: CutReply = { type: 'wharf-bench-profile-written', name: message.name };
      try {
        if (error) throw error;
        const path = join(dir, `${message.name}.cpuprofile`);
        writeFileSync(`${path}.tmp`, JSON.stringify(result.profile));
        renameSync(`${path}.tmp`, path);
        reply.path = path;
      } catch (failure) {
        reply.error = (failure as Error).message;
      }
      start();
      process.send!(reply);
    });
  });
}
