/**
 * Harbor's `sort` parameter (`-creation_time,name`: keys in order, a leading `-` descending) as
 * an ORDER BY list over the columns a list allows, or `fallback` when no key is given. Only
 * columns from `sortable` ever reach the SQL; an unknown key goes to `refuse` (which throws the
 * caller's domain error, naming the sortable keys).
 */
export function sqlOrderBy(sort: string | undefined, sortable: Readonly<Record<string, string>>, fallback: string, refuse: (key: string, sortableKeys: string[]) => never): string {
  const keys = (sort ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean)
    .map((key) => {
      const descending = key.startsWith('-');
      const column = Object.hasOwn(sortable, descending ? key.slice(1) : key) ? sortable[descending ? key.slice(1) : key] : undefined;
      if (!column) return refuse(key, Object.keys(sortable));
      return `${column} ${descending ? 'DESC' : 'ASC'}`;
    });
  return keys.length > 0 ? keys.join(', ') : fallback;
}
