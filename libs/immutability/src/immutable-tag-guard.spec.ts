import type { SqlClient } from '@wharf/db';
import { CACHED_PROJECTS_MAX, ImmutableTagGuard } from './immutable-tag-guard';

/** A SqlClient that answers every rule query with no rules and counts the queries per project. */
function countingSql(): { sql: SqlClient; queries: Map<string, number> } {
  const queries = new Map<string, number>();
  const sql = {
    query: async (_text: string, params: unknown[]) => {
      const project = params[0] as string;
      queries.set(project, (queries.get(project) ?? 0) + 1);
      return [];
    },
  } as unknown as SqlClient;
  return { sql, queries };
}

describe('ImmutableTagGuard rule cache', () => {
  // the clock stands still: no entry expires however slowly the machine runs the test
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000));
  afterEach(() => jest.restoreAllMocks());

  it('reads a project once while its rules are cached', async () => {
    const { sql, queries } = countingSql();
    const guard = new ImmutableTagGuard(sql);
    await guard.immutableTags('one/app', ['v1']);
    await guard.immutableTags('one/app', ['v2']);
    await guard.hasRules('one/other');
    expect(queries.get('one')).toBe(1);
  });

  it(`holds at most ${CACHED_PROJECTS_MAX} projects, forgetting the least recently read`, async () => {
    const { sql, queries } = countingSql();
    const guard = new ImmutableTagGuard(sql);
    // project-0 is read again after the others were cached, so project-1 is the least recently read
    for (let i = 0; i < CACHED_PROJECTS_MAX; i++) await guard.immutableTags(`project-${i}/app`, ['v1']);
    await guard.immutableTags('project-0/app', ['v1']);
    await guard.immutableTags('one-more/app', ['v1']);
    expect(queries.size).toBe(CACHED_PROJECTS_MAX + 1);

    // still cached: no second query
    await guard.immutableTags('project-0/app', ['v1']);
    await guard.immutableTags(`project-${CACHED_PROJECTS_MAX - 1}/app`, ['v1']);
    await guard.immutableTags('one-more/app', ['v1']);
    expect(queries.get('project-0')).toBe(1);
    expect(queries.get(`project-${CACHED_PROJECTS_MAX - 1}`)).toBe(1);
    expect(queries.get('one-more')).toBe(1);

    // forgotten: read again
    await guard.immutableTags('project-1/app', ['v1']);
    expect(queries.get('project-1')).toBe(2);
  });
});
