import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const GENERATED_START = '<!-- bench:results:start (written by npm run bench; edits inside are overwritten) -->';
export const GENERATED_END = '<!-- bench:results:end -->';

/**
 * Replaces the generated section of docs/benchmarks.md with this run's results (the text the
 * bench printed, in a code block, under a heading naming the date and the machine); the rest of
 * the document is left as written. A document without the markers gets the section appended.
 */
export function writeBenchmarksDoc(path: string, heading: string, body: string): void {
  const section = `${GENERATED_START}\n${heading}\n\n\`\`\`text\n${body.trimEnd()}\n\`\`\`\n${GENERATED_END}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(GENERATED_START);
  const end = current.indexOf(GENERATED_END);
  const next = start >= 0 && end > start ? `${current.slice(0, start)}${section}${current.slice(end + GENERATED_END.length)}` : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}
