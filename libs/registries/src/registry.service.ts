// TEMPORARY (replaced by branch wip/endpoints): only what the proxy cache needs to run
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { SqlClient } from '@wharf/db';
import type { RegistryType } from './registry-endpoint';
import { createUpstreamRegistry } from './upstream/create-upstream-registry';
import type { UpstreamRegistry } from './upstream/upstream-registry';

@Injectable()
export class RegistryService {
  constructor(private readonly sql: SqlClient, private readonly config: AppConfig) {}

  async upstream(id: number): Promise<UpstreamRegistry> {
    const rows = await this.sql.query<{ type: RegistryType; url: string; insecure: boolean }>(`SELECT type, url, insecure FROM registry WHERE id = $1`, [id]);
    if (!rows[0]) throw new Error(`registry ${id} not found`);
    return createUpstreamRegistry({ ...rows[0], credential: null }, { timeoutMs: this.config.PROXY_UPSTREAM_TIMEOUT_SECONDS * 1000 });
  }
}
