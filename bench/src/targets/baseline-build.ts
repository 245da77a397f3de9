import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from '../cleanup';

export interface BaselineBuild {
  ref: string;
  /** the commit the ref named when the run started */
  commit: string;
  dir: string;
  apiEntry: string;
  /** dist/libs/db/src/migrate.js of that build: its own migrations for its own database */
  migrateEntry: string;
}

/**
 * `--baseline <git-ref>`: the ref checked out in a temporary git worktree (detached, removed at
 * cleanup), with node_modules symlinked from this checkout when the ref locks the same
 * dependencies, or installed for it (`npm ci`, from npm's cache) when its package-lock.json
 * differs (an older ref may need a package this tree dropped), and built with its own
 * `npm run build`. Its api then runs as a third target next to the current tree.
 */
export function buildBaseline(repositoryRoot: string, ref: string, cleanup: Cleanup, log: (line: string) => void): BaselineBuild {
  const git = (...args: string[]) => execFileSync('git', ['-C', repositoryRoot, ...args], { encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = join(mkdtempSync(join(tmpdir(), 'wharf-bench-baseline-')), 'tree');
  git('worktree', 'add', '--detach', dir, commit);
  cleanup.add(`remove baseline worktree ${dir}`, () => {
    try {
      git('worktree', 'remove', '--force', dir);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
      git('worktree', 'prune');
    }
  });
  const started = Date.now();
  if (readFileSync(join(dir, 'package-lock.json'), 'utf8') === readFileSync(join(repositoryRoot, 'package-lock.json'), 'utf8')) {
    symlinkSync(join(repositoryRoot, 'node_modules'), join(dir, 'node_modules'));
  } else {
    log(`${ref} locks other dependencies: npm ci in ${dir}`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }
  log(`building ${ref} (${commit.slice(0, 12)}) in ${dir}`);
  execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const build: BaselineBuild = {
    ref,
    commit,
    dir,
    apiEntry: join(dir, 'dist', 'apps', 'api', 'src', 'main.js'),
    migrateEntry: join(dir, 'dist', 'libs', 'db', 'src', 'migrate.js'),
  };
  for (const entry of [build.apiEntry, build.migrateEntry]) if (!existsSync(entry)) throw new Error(`the baseline build has no ${entry}`);
  return build;
}

/** Migrates the baseline's own database with the baseline's own migrations (its schema, not the current one). */
export function migrateBaseline(build: BaselineBuild, env: Record<string, string>): void {
  execFileSync(process.execPath, [build.migrateEntry], { cwd: build.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
}
