/** Command-line options of `npm run bench` (everything else is fixed so runs stay comparable). */

export type StorageKind = 'filesystem' | 's3';

export interface BenchOptions {
  storage: StorageKind;
  /** measured seconds per scenario and target */
  durationSeconds: number;
  /** warm-up seconds before each measurement (JIT, connection and pool warm-up; not counted) */
  warmupSeconds: number;
  /** only scenarios whose id matches (a regular expression); all when undefined */
  only?: RegExp;
  /** write a V8 CPU profile of the Wharf api into this directory (see targets/cpu-profile-preload.ts) */
  profileDir?: string;
  /** GC scenario: at most this long writing the seeded blobs' objects to storage (rows are always all written) */
  gcSeedSeconds: number;
  gcWorkers: number;
}

export const USAGE = `usage: npm run bench -- [options]
  --storage filesystem|s3   storage of both registries (default filesystem; s3 reads
                            WHARF_BENCH_S3_ENDPOINT, WHARF_BENCH_S3_ACCESS_KEY_ID,
                            WHARF_BENCH_S3_SECRET_ACCESS_KEY, optional WHARF_BENCH_S3_REGION)
  --duration <seconds>      measured time per scenario and registry (default 4)
  --warmup <seconds>        warm-up before each measurement (default 0.5)
  --only <regexp>           run only scenarios whose id matches, e.g. --only 'manifest-(head|get)';
                            the GC scenario's id is gc (--only '^gc$' runs it alone), the
                            proxy-cache scenario's proxy (--only '^proxy$'), the tag
                            retention scenario's retention (--only '^retention$')
  --profile-api <dir>       write a CPU profile (.cpuprofile) of the Wharf api into <dir>
  --gc-seed-seconds <s>     GC scenario: time allowed for writing the seeded blobs' objects
  --gc-workers <n>          GC scenario: the run's workers parameter, 1-5 (default 1, Harbor's default)
                            (default 180; ~250 writes/s on RadosGW here, 600 writes them all)
  --help`;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const options: BenchOptions = { storage: 'filesystem', durationSeconds: 4, warmupSeconds: 0.5, gcSeedSeconds: 180, gcWorkers: 1 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--storage': {
        const storage = value();
        if (storage !== 'filesystem' && storage !== 's3') throw new UsageError(`--storage must be filesystem or s3, not ${storage}`);
        options.storage = storage;
        break;
      }
      case '--duration':
        options.durationSeconds = positiveNumber(flag, value());
        break;
      case '--warmup':
        options.warmupSeconds = positiveNumber(flag, value(), true);
        break;
      case '--only':
        options.only = new RegExp(value());
        break;
      case '--profile-api':
        options.profileDir = value();
        break;
      case '--gc-seed-seconds':
        options.gcSeedSeconds = positiveNumber(flag, value(), true);
        break;
      case '--gc-workers': {
        const workers = positiveNumber(flag, value());
        if (!Number.isInteger(workers) || workers > 5) throw new UsageError(`${flag} must be an integer from 1 to 5`);
        options.gcWorkers = workers;
        break;
      }
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return options;
}

function positiveNumber(flag: string, text: string, zeroAllowed = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!zeroAllowed && n === 0)) throw new UsageError(`${flag} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number`);
  return n;
}
