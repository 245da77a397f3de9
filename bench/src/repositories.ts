/**
 * Every repository the bench pushes to or pulls from, in one place: Wharf's bearer token
 * (targets/wharf.ts) is requested for exactly these, so a scenario using a repository not
 * listed here would get 401s.
 */
export const BENCH_REPOSITORIES = {
  probe: 'library/bench-probe',
  blobs: 'library/bench-blobs',
  small: 'library/bench-small',
  manifests: 'library/bench-manifests',
  memory: 'library/bench-memory',
  /** the cost curves' repository, seeded straight into the database (cost-curves/seed-artifacts.ts) */
  costCurve: 'library/cost-curve',
} as const;
