import { Injectable } from '@nestjs/common';
import { DeleteArtifactCommand, TagCommands } from '@wharf/artifacts';
import { SqlClient } from '@wharf/db';
import { describeFailure } from '@wharf/errors';
import { ImmutableTagGuard } from '@wharf/immutability';
import { decide, ruleCoversRepository, type Candidate, type Decision, type RetentionRule } from './retention-policy';

/** One repository a run walks. */
export interface RunRepository {
  id: number;
  /** full name, `project/path` */
  name: string;
}

/** What a run knows when it starts: the rules, the snapshot time and whether it removes anything. */
export interface RunSettings {
  rules: readonly RetentionRule[];
  /** the run's start, as the database clock had it: what was pushed since is never removed */
  snapshot: Date;
  dryRun: boolean;
  /** the operator the removal events name */
  operator: string;
}

/** A row of a task's log table. */
export interface LogRow {
  repository: string;
  tag: string;
  digest: string;
  action: string;
}

export interface RepositoryOutcome {
  /** artifacts the rules judged */
  total: number;
  /** of those, the ones that stay (all of them, in a dry run, minus what a real run would delete) */
  retained: number;
  /** artifacts deleted and tags removed (would be, in a dry run) */
  deleted: number;
  untagged: number;
  /** artifacts the rules gave up that a command refused to delete (changed since the snapshot, immutable, referenced) */
  refused: number;
  rows: LogRow[];
  stopped: boolean;
}

/** Whole-artifact deletes, or artifacts' tag removals, per transaction; a stop request is looked for between them. */
const DELETE_BATCH = 100;

/** The path of a repository inside its project, as Harbor's selectors match it. */
export const pathOf = (repository: string): string => repository.slice(repository.indexOf('/') + 1);

/**
 * Tag retention over one repository: reads its artifacts in one statement (index children and
 * accessories go with what names them and are no candidates; artifacts pushed after the
 * snapshot are not read at all), decides with the policy's rules (`decide`), then removes through
 * the artifact commands (deep delete, tag removal: events, audit, quota), each of which checks
 * again under its locks that nothing was pushed or tagged since the snapshot.
 */
@Injectable()
export class RetentionEngine {
  constructor(
    private readonly sql: SqlClient,
    private readonly guard: ImmutableTagGuard,
    private readonly deletion: DeleteArtifactCommand,
    private readonly tags: TagCommands,
  ) {}

  /** The rules that apply to a repository (an empty list: the run leaves it alone). */
  rulesFor(rules: readonly RetentionRule[], repository: string): RetentionRule[] {
    const path = pathOf(repository);
    return rules.filter((rule) => ruleCoversRepository(rule, path));
  }

  async candidates(repository: RunRepository, snapshot: Date): Promise<Candidate[]> {
    const rows = await this.sql.query<{ id: number; digest: string; push_time: Date; pull_time: Date | null; tags: string[] | null; fresh: boolean[] | null }>(
      `SELECT a.id, a.digest, a.push_time, a.pull_time,
              array_agg(t.name ORDER BY t.name) FILTER (WHERE t.id IS NOT NULL) AS tags,
              array_agg(t.push_time >= $2 ORDER BY t.name) FILTER (WHERE t.id IS NOT NULL) AS fresh
         FROM artifact a LEFT JOIN tag t ON t.artifact_id = a.id
        WHERE a.repository_id = $1 AND a.push_time < $2 AND a.subject_digest IS NULL
          AND NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id)
        GROUP BY a.id`,
      [repository.id, snapshot],
    );
    const allTags = [...new Set(rows.flatMap((r) => r.tags ?? []))];
    const immutable = allTags.length ? await this.guard.immutableTags(repository.name, allTags) : new Map<string, number>();
    return rows.map((r) => ({
      id: r.id,
      digest: r.digest,
      pushTime: r.push_time,
      pullTime: r.pull_time,
      tags: (r.tags ?? []).map((name, i) => ({ name, fresh: r.fresh![i] })),
      immutable: (r.tags ?? []).some((name) => immutable.has(name)),
    }));
  }

  /** Judges one repository and (unless a dry run) carries the decisions out; `stopRequested` is asked between batches of removals. */
  async run(repository: RunRepository, settings: RunSettings, stopRequested: () => Promise<boolean>, now: Date = settings.snapshot): Promise<RepositoryOutcome> {
    const rules = this.rulesFor(settings.rules, repository.name);
    const candidates = await this.candidates(repository, settings.snapshot);
    const decisions = decide(rules, candidates, now);
    const outcome: RepositoryOutcome = { total: candidates.length, retained: 0, deleted: 0, untagged: 0, refused: 0, rows: [], stopped: false };
    // what the commands refused: digest -> reason (whole deletes), `digest tag` -> action (tag removals)
    const refusedDeletes = new Map<string, string>();
    const keptTags = new Map<string, string>();
    const done = new Set<Decision>();
    if (!settings.dryRun) {
      const deletes = decisions.filter((d) => d.remove);
      for (let i = 0; i < deletes.length && !outcome.stopped; i += DELETE_BATCH) {
        if (i > 0 && (await stopRequested())) {
          outcome.stopped = true;
          break;
        }
        const batch = deletes.slice(i, i + DELETE_BATCH);
        let refusals: Map<string, string | null>;
        try {
          refusals = await this.deletion.deleteManyIfUnchanged(repository.name, batch.map((d) => ({ digest: d.candidate.digest, tags: d.candidate.tags.map((t) => t.name) })), settings.snapshot, settings.operator);
        } catch (error) {
          refusals = new Map(batch.map((d) => [d.candidate.digest, describeFailure(error)]));
        }
        for (const decision of batch) {
          const refusal = refusals.get(decision.candidate.digest);
          if (refusal) refusedDeletes.set(decision.candidate.digest, refusal);
          done.add(decision);
        }
      }
      const untags = decisions.filter((d) => d.untag.length > 0);
      for (let i = 0; i < untags.length && !outcome.stopped; i += DELETE_BATCH) {
        if ((i > 0 || deletes.length > 0) && (await stopRequested())) {
          outcome.stopped = true;
          break;
        }
        const batch = untags.slice(i, i + DELETE_BATCH);
        // a tag name is unique in a repository: tag -> the artifact it named at the snapshot
        const owners = new Map(batch.flatMap((d) => d.untag.map((tag) => [tag, d.candidate.id] as const)));
        let removed = new Set<string>();
        let failure: string | null = null;
        try {
          removed = await this.tags.untagManyIfUnchanged(repository.name, owners, settings.snapshot, settings.operator);
        } catch (error) {
          failure = describeFailure(error);
        }
        for (const decision of batch) {
          for (const tag of decision.untag) {
            if (removed.has(tag)) outcome.untagged += 1;
            else keptTags.set(`${decision.candidate.digest} ${tag}`, failure ? `RETAIN(${failure})` : 'RETAIN(immutable or changed during run)');
          }
          done.add(decision);
        }
      }
    }
    for (const decision of decisions) {
      const removes = decision.remove || decision.untag.length > 0;
      // stopped before its removals: not logged (a later run judges it again)
      if (!settings.dryRun && removes && !done.has(decision)) continue;
      const refusal = refusedDeletes.get(decision.candidate.digest);
      if (decision.remove && !refusal) outcome.deleted += 1;
      else outcome.retained += 1;
      if (decision.remove && refusal) outcome.refused += 1;
      if (settings.dryRun) outcome.untagged += decision.untag.length;
      for (const line of decision.lines) {
        const action = refusal ? `RETAIN(${refusal})` : (line.tag !== null && keptTags.get(`${decision.candidate.digest} ${line.tag}`)) || line.action;
        outcome.rows.push({ repository: repository.name, tag: line.tag ?? '<none>', digest: decision.candidate.digest, action });
      }
    }
    return outcome;
  }
}

/** A task's log: a text table of repository, tag, digest and action, one line per tag. */
export function logTable(rows: readonly LogRow[]): string[] {
  const header: LogRow = { repository: 'REPOSITORY', tag: 'TAG', digest: 'DIGEST', action: 'ACTION' };
  const all = [header, ...rows];
  const width = (key: keyof LogRow) => Math.max(...all.map((r) => r[key].length));
  const widths = { repository: width('repository'), tag: width('tag'), digest: width('digest'), action: width('action') };
  const rule = `+-${'-'.repeat(widths.repository)}-+-${'-'.repeat(widths.tag)}-+-${'-'.repeat(widths.digest)}-+-${'-'.repeat(widths.action)}-+`;
  const line = (r: LogRow) => `| ${r.repository.padEnd(widths.repository)} | ${r.tag.padEnd(widths.tag)} | ${r.digest.padEnd(widths.digest)} | ${r.action.padEnd(widths.action)} |`;
  return [rule, line(header), rule, ...rows.map(line), rule];
}

/** Parses a log table back into rows (tests and the API's JSON view use it). */
export function parseLogTable(lines: readonly string[]): LogRow[] {
  return lines
    .filter((l) => l.startsWith('| '))
    .slice(1)
    .map((l) => {
      const [repository, tag, digest, action] = l
        .slice(2, -2)
        .split(' | ')
        .map((c) => c.trim());
      return { repository, tag, digest, action };
    });
}
