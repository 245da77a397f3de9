/**
 * `node dist/bench/src/tools/summarize-profile.js <file.cpuprofile> [top]`: where a profile
 * written by `npm run bench -- --profile-api <dir>` spent its time, by function (self time)
 * and by package (node_modules/<pkg>, Wharf's apps/libs, node internals), without DevTools.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function summarize(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    const fn = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    const pkg = packageOf(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  const table = (title: string, entries: Map<string, number>) =>
    [title, ...[...entries].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, micros]) => `${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`)].join('\n');
  return [`${path}: ${(total / 1e6).toFixed(2)} s sampled`, table('self time by package:', byPackage), table('self time by function:', byFunction)].join('\n\n');
}

function packageOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/dist\/((?:apps|libs)\/[^/]+)/.exec(url);
  return own ? own[1] : url;
}

const shortUrl = (url: string): string => url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '').replace(/^file:\/\//, '');

const [file, top] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/src/tools/summarize-profile.js <file.cpuprofile> [top]');
  process.exit(2);
}
console.log(summarize(file, Number(top ?? 25)));
