import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { RegistryService } from '@wharf/registries';
import { createReplicationAdapter } from './create-replication-adapter';
import type { ReplicationAdapter } from './replication-adapter';

/**
 * One replication adapter per registry endpoint, its sealed credential opened through
 * RegistryService (never logged, never returned), rebuilt when the endpoint changes (its
 * update_time is the version, so another process's update is seen too).
 */
@Injectable()
export class ReplicationRegistries implements OnModuleDestroy {
  private readonly adapters = new Map<number, { version: number; adapter: ReplicationAdapter }>();

  constructor(
    private readonly registries: RegistryService,
    private readonly config: AppConfig,
  ) {}

  async adapter(registryId: number): Promise<ReplicationAdapter> {
    const endpoint = await this.registries.get(registryId);
    const version = endpoint.updateTime.getTime();
    const cached = this.adapters.get(registryId);
    if (cached?.version === version) return cached.adapter;
    const adapter = createReplicationAdapter(await this.registries.upstreamEndpoint(registryId), { timeoutMs: this.config.PROXY_UPSTREAM_TIMEOUT_SECONDS * 1000 });
    this.adapters.set(registryId, { version, adapter });
    if (cached) void cached.adapter.close().catch(() => undefined);
    return adapter;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.adapters.values()].map((a) => a.adapter.close().catch(() => undefined)));
    this.adapters.clear();
  }
}
