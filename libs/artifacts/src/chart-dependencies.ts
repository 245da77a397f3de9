/** A dependency of a Helm chart, as Harbor's `dependencies` addition lists it. */
export interface ChartDependency {
  name: string;
  version: string;
  repository: string;
}

/**
 * The `dependencies:` list of a Chart.yaml (or requirements.yaml): a list of flat maps, which is
 * all Helm writes there. Not a YAML parser; values that are not plain scalars are kept as text.
 */
export function chartDependencies(yaml: string): ChartDependency[] {
  const lines = yaml.replace(/\r\n/g, '\n').split('\n');
  const start = lines.findIndex((line) => /^dependencies:\s*(#.*)?$/.test(line));
  if (start < 0) return [];
  const items: Record<string, string>[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    // the list ends at the next top-level key
    if (/^\S/.test(line) && !line.startsWith('-')) break;
    const item = /^\s*-\s+(.*)$/.exec(line);
    const pair = /^\s*([A-Za-z_][\w-]*):\s*(.*?)\s*$/.exec(item ? item[1] : line);
    if (item) items.push({});
    if (pair && items.length > 0) items[items.length - 1][pair[1]] = unquote(pair[2]);
  }
  return items.filter((i) => i.name).map((i) => ({ name: i.name, version: i.version ?? '', repository: i.repository ?? '' }));
}

function unquote(value: string): string {
  const text = value.replace(/\s+#.*$/, '');
  const quoted = /^(['"])(.*)\1$/.exec(text);
  return quoted ? quoted[2] : text;
}
