/**
 * Prints what `vite build` wrote to dist/portal with gzip sizes, and the first load: the entry script
 * and the chunks index.html preloads (what a browser fetches before the first page renders).
 * `--max-kb N` fails the build when the first load's compressed script exceeds N KB.
 */
const { readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { gzipSync } = require('node:zlib');

const dist = join(__dirname, '..', 'dist', 'portal');

/** The scripts index.html loads before anything renders: its module entry and its modulepreloads. */
function firstLoadScripts(html) {
  const sources = [...html.matchAll(/<script[^>]+src="([^"]+)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((match) => match[1]);
  return [...new Set(sources)].map((source) => source.replace(/^\//, ''));
}

function gzipSize(file) {
  return gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
}

function report() {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const assets = readdirSync(join(dist, 'assets')).map((name) => `assets/${name}`);
  const first = firstLoadScripts(html);
  const firstLoadBytes = first.reduce((sum, file) => sum + gzipSize(file), 0);
  return { assets, first, firstLoadBytes };
}

module.exports = { firstLoadScripts, gzipSize, portalDist: dist };

if (require.main === module) {
  const { assets, first, firstLoadBytes } = report();
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  const scripts = assets.filter((file) => file.endsWith('.js'));
  const total = scripts.reduce((sum, file) => sum + gzipSize(file), 0);
  console.log(`portal: ${scripts.length} script chunks, ${kb(total)} gzipped in all; first load ${kb(firstLoadBytes)} gzipped (${first.join(', ')})`);
  const limitIndex = process.argv.indexOf('--max-kb');
  if (limitIndex > 0 && firstLoadBytes > Number(process.argv[limitIndex + 1]) * 1024) {
    console.error(`portal: first load ${kb(firstLoadBytes)} exceeds ${process.argv[limitIndex + 1]} KB`);
    process.exit(1);
  }
}
