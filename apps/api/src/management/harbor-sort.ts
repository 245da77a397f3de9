import { sqlOrderBy } from '@wharf/db';
import { ApiError } from './api-error';

/**
 * Harbor's `sort` parameter (`sort=-creation_time,name`: keys in order, `-` descending) as an SQL
 * ORDER BY over the columns an endpoint allows; an unknown key is a 400 naming the sortable ones.
 */
export function harborOrderBy(sort: string | undefined, sortable: Readonly<Record<string, string>>, fallback: string): string {
  return sqlOrderBy(sort, sortable, fallback, (key, keys) => {
    throw new ApiError('BAD_REQUEST', `cannot sort by "${key}"; sortable: ${keys.join(', ')}`);
  });
}
