/** Command-line options of `npm run bench` (everything else is fixed so runs stay comparable). */

export type StorageKind = 'filesystem' | 's3';

export interface BenchOptions {
  storage: StorageKind;
  /** times each scenario is measured on each registry, in alternating order (odd: the median round is the result) */
  rounds: number;
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
  /** the short preset: the rows only, shorter measurements, no GC/retention/scan-overview scenario unless --only names them */
  quick: boolean;
  /** a git ref built in a temporary worktree and measured as a third target ("before") */
  baselineRef?: string;
  /** artifact counts of the cost curves (ascending); empty skips them */
  costSizes: number[];
  /** project count of the project-list cost curve's large end */
  costProjects: number;
}

/** The cost curves' sizes: 1k, 100k and 1M artifacts, as issue 19 asks. */
export const DEFAULT_COST_SIZES = [1_000, 100_000, 1_000_000];

export const USAGE = `usage: npm run bench -- [options]
  --storage filesystem|s3   storage of both registries (default filesystem; s3 reads
                            WHARF_BENCH_S3_ENDPOINT, WHARF_BENCH_S3_ACCESS_KEY_ID,
                            WHARF_BENCH_S3_SECRET_ACCESS_KEY, optional WHARF_BENCH_S3_REGION)
  --duration <seconds>      measured time per scenario and registry (default 4)
  --warmup <seconds>        warm-up before each measurement, not counted (default 2: a new
                            Wharf api runs up to a third slower for its first seconds on a path,
                            while V8 compiles it and Postgres's new backends plan its statements)
  --rounds <n>              measure each scenario n times on each registry, the order of the
                            registries reversed every other round; the median round is the
                            result (odd; default 3, --quick 1)
  --only <regexp>           run only scenarios whose id matches, e.g. --only 'manifest-(head|get)';
                            the GC scenario's id is gc (--only '^gc$' runs it alone), the
                            proxy-cache scenario's proxy (--only '^proxy$'), the tag
                            retention scenario's retention (--only '^retention$')
  --profile-api <dir>       write a CPU profile (.cpuprofile) of the Wharf api into <dir>
  --gc-seed-seconds <s>     GC scenario: time allowed for writing the seeded blobs' objects
                            (default 180; ~250 writes/s on RadosGW here, 600 writes them all)
  --gc-workers <n>          GC scenario: the run's workers parameter, 1-5 (default 1, Harbor's default)
  --quick                   the issue's rows only, 2 s per scenario, 1 round, cost curves at 1k and 100k,
                            no GC / retention / scan-overview scenario (unless --only names one)
  --baseline <git-ref>      also build <git-ref> in a temporary git worktree and measure it as a
                            third target ("before"), side by side with the current tree ("after")
  --cost-sizes <n,n,...>    artifact counts of the cost curves (default 1000,100000,1000000;
                            --cost-sizes 0 skips them; their id is cost-curves)
  --cost-projects <n>       projects of the project-list curve's large end (default 10000)
  --help`;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const options: BenchOptions = { storage: 'filesystem', rounds: 3, durationSeconds: 4, warmupSeconds: 2, gcSeedSeconds: 180, gcWorkers: 1, quick: false, costSizes: DEFAULT_COST_SIZES, costProjects: 10_000 };
  let durationGiven = false;
  let roundsGiven = false;
  let costSizesGiven = false;
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
        durationGiven = true;
        break;
      case '--rounds': {
        const rounds = positiveNumber(flag, value());
        if (!Number.isInteger(rounds) || rounds % 2 === 0) throw new UsageError(`${flag} must be an odd whole number (the median round is the result)`);
        options.rounds = rounds;
        roundsGiven = true;
        break;
      }
      case '--quick':
        options.quick = true;
        break;
      case '--baseline':
        options.baselineRef = value();
        break;
      case '--cost-sizes': {
        const sizes = value()
          .split(',')
          .map((text) => positiveNumber(flag, text.trim(), true))
          .filter((n) => n > 0);
        if (sizes.some((n) => !Number.isInteger(n)) || sizes.some((n, i) => i > 0 && n <= sizes[i - 1])) throw new UsageError(`${flag} takes ascending whole numbers, e.g. 1000,100000`);
        options.costSizes = sizes;
        costSizesGiven = true;
        break;
      }
      case '--cost-projects': {
        const projects = positiveNumber(flag, value());
        if (!Number.isInteger(projects)) throw new UsageError(`${flag} must be a whole number`);
        options.costProjects = projects;
        break;
      }
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
  if (options.quick) {
    if (!durationGiven) options.durationSeconds = 2;
    if (!roundsGiven) options.rounds = 1;
    if (!costSizesGiven) options.costSizes = [1_000, 100_000];
  }
  return options;
}

function positiveNumber(flag: string, text: string, zeroAllowed = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!zeroAllowed && n === 0)) throw new UsageError(`${flag} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number`);
  return n;
}
