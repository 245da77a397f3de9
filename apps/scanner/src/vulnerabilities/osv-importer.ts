import { Injectable, Logger } from '@nestjs/common';
import { advisoryRowsOf } from './advisory-rows';
import { AdvisoryStore } from './advisory-store';
import { parseOsvRecord, type OsvRecord } from './osv-record';
import { osvSourceEntries } from './osv-sources';

export interface ImportSummary {
  /** record files read */
  read: number;
  /** advisories stored or replaced */
  written: number;
  /** records not newer than the stored copy */
  unchanged: number;
  /** withdrawn records (removed when they were stored) */
  withdrawn: number;
  /** records with nothing the scanner matches (other ecosystems, GIT-only ranges) */
  ignored: number;
  /** files that are not OSV records (named in `problems`, up to 20) */
  invalid: number;
  problems: string[];
  /** the newest `modified` among the records read */
  newestModified: string | null;
  seconds: number;
}

export const IMPORT_BATCH_SIZE = 500;

/**
 * Loads an OSV export (zip, directory or file) into the scanner's tables, incrementally: records
 * are read one at a time and written in batches of IMPORT_BATCH_SIZE, each batch skipping what is
 * not newer than the stored copy; withdrawn records are removed. Memory stays at one batch.
 */
@Injectable()
export class OsvImporter {
  private readonly logger = new Logger(OsvImporter.name);

  constructor(private readonly store: AdvisoryStore) {}

  async import(path: string, progress?: (summary: ImportSummary) => void): Promise<ImportSummary> {
    const started = process.hrtime.bigint();
    const summary: ImportSummary = { read: 0, written: 0, unchanged: 0, withdrawn: 0, ignored: 0, invalid: 0, problems: [], newestModified: null, seconds: 0 };
    let newest = Number.NEGATIVE_INFINITY;
    let batch = new Map<string, OsvRecord>();
    let withdrawn: string[] = [];

    const flush = async () => {
      const records = [...batch.values()];
      batch = new Map();
      // only what is newer than the stored copy is converted (scored, normalised) at all
      const stale = await this.store.staleIds(records);
      const { written, skipped } = await this.store.write(records.filter((r) => stale.has(r.id)).map(advisoryRowsOf));
      summary.written += written.length;
      summary.unchanged += records.length - stale.size + skipped;
      summary.ignored += stale.size - written.length - skipped;
      if (withdrawn.length) {
        await this.store.remove(withdrawn);
        withdrawn = [];
      }
      progress?.(summary);
    };

    for await (const entry of osvSourceEntries(path)) {
      summary.read++;
      let record;
      try {
        record = parseOsvRecord(await entry.text(), entry.name);
      } catch (error) {
        summary.invalid++;
        if (summary.problems.length < 20) summary.problems.push((error as Error).message);
        continue;
      }
      const modified = Date.parse(record.modified);
      if (modified > newest) {
        newest = modified;
        summary.newestModified = record.modified;
      }
      if (record.withdrawn) {
        summary.withdrawn++;
        batch.delete(record.id);
        withdrawn.push(record.id);
      } else {
        const previous = batch.get(record.id);
        if (!previous || Date.parse(previous.modified) < modified) batch.set(record.id, record);
      }
      if (batch.size + withdrawn.length >= IMPORT_BATCH_SIZE) await flush();
    }
    await flush();
    await this.store.recordImport(summary.newestModified);
    summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.logger.log(`imported ${path}: ${JSON.stringify({ ...summary, problems: summary.problems.length })}`);
    return summary;
  }
}
