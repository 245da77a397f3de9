import { ApiError } from './api-error';

/**
 * Harbor's `sort` parameter (`sort=-creation_time,name`: keys in order, `-` descending) as an SQL
 * ORDER BY over the columns an endpoint allows; an unknown key is a 400 naming the sortable ones.
 */
export function harborOrderBy(sort: string | undefined, sortable: Readonly<Record<string, string>>, fallback: string): string {
  const keys = (sort ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean)
    .map((key) => {
      const descending = key.startsWith('-');
      const column = sortable[descending ? key.slice(1) : key];
      if (!column) throw new ApiError('BAD_REQUEST', `cannot sort by "${key}"; sortable: ${Object.keys(sortable).join(', ')}`);
      return `${column} ${descending ? 'DESC' : 'ASC'}`;
    });
  return keys.length > 0 ? keys.join(', ') : fallback;
}
