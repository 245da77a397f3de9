import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { OsvImporter, type ImportSummary } from './osv-importer';

/**
 * `npm run scanner:db-sync`: downloads the OSV export of each configured ecosystem
 * (SCANNER_OSV_ECOSYSTEMS, from SCANNER_OSV_URL) to a temporary file and imports it. Only an
 * operator runs it: the scanner itself never downloads anything.
 */
@Injectable()
export class OsvSync {
  private readonly logger = new Logger(OsvSync.name);

  constructor(
    private readonly config: AppConfig,
    private readonly importer: OsvImporter,
  ) {}

  ecosystems(): string[] {
    return this.config.SCANNER_OSV_ECOSYSTEMS.split(',').map((e) => e.trim()).filter(Boolean);
  }

  exportUrl(ecosystem: string): string {
    return `${this.config.SCANNER_OSV_URL.replace(/\/+$/, '')}/${encodeURIComponent(ecosystem)}/all.zip`;
  }

  async sync(ecosystems = this.ecosystems()): Promise<Record<string, ImportSummary>> {
    const results: Record<string, ImportSummary> = {};
    const directory = await mkdtemp(join(tmpdir(), 'wharf-osv-'));
    try {
      for (const ecosystem of ecosystems) {
        const file = join(directory, `${ecosystem.replace(/[^A-Za-z0-9.-]/g, '_')}.zip`);
        const url = this.exportUrl(ecosystem);
        this.logger.log(`downloading ${url}`);
        const response = await fetch(url);
        if (!response.ok || !response.body) throw new Error(`${url}: ${response.status} ${response.statusText}`);
        await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream), createWriteStream(file));
        results[ecosystem] = await this.importer.import(file);
        await rm(file, { force: true });
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    return results;
  }
}
