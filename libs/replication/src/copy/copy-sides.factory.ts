import { Injectable } from '@nestjs/common';
import { RegistryService } from '@wharf/registries';
import { ReplicationRegistries } from '../adapters/replication-registries';
import type { ReplicationSide } from '../replication-copy';
import { BlobLocations } from './blob-locations';
import type { DestinationSide, SourceSide } from './copy-sides';
import { LocalRegistry } from './local-registry';
import { RemoteDestination } from './remote-destination';
import { RemoteSource } from './remote-source';

/** The side objects of a copy: this Wharf, or an endpoint through its adapter. */
@Injectable()
export class CopySides {
  constructor(
    private readonly local: LocalRegistry,
    private readonly registries: ReplicationRegistries,
    private readonly endpoints: RegistryService,
    private readonly locations: BlobLocations,
  ) {}

  async source(side: ReplicationSide): Promise<SourceSide> {
    if (side.kind === 'local') return this.local;
    return new RemoteSource(await this.registries.adapter(side.registryId), await this.label(side.registryId));
  }

  async destination(side: ReplicationSide): Promise<DestinationSide> {
    if (side.kind === 'local') return this.local;
    return new RemoteDestination(await this.registries.adapter(side.registryId), side.registryId, this.locations, await this.label(side.registryId));
  }

  private async label(registryId: number): Promise<string> {
    return (await this.endpoints.get(registryId)).name;
  }
}
