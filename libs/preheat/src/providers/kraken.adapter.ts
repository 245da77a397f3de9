import { randomUUID } from 'node:crypto';
import type { ProviderConnection } from '../preheat-instance';
import type { PreheatImage, PreheatProvider, PreheatStarted, PreheatState } from './preheat-provider';
import { providerRequest } from './provider-http';

/**
 * Kraken: a registry push notification (`POST /registry/notifications`, PascalCase keys) that
 * makes Kraken's build-index fetch the manifest at `Url` and warm its origins with the blobs.
 * Kraken pulls with the registry credentials of its own configuration (a notification carries no
 * headers), has no progress to poll, and answers 200 even when it fails later: a 200 ends the task
 * as Success. For an index Kraken receives the index's digest and media type and resolves its
 * children itself.
 */
export class KrakenProvider implements PreheatProvider {
  constructor(private readonly connection: ProviderConnection) {}

  async health(): Promise<void> {
    await providerRequest(this.connection, 'GET', '/health');
  }

  async preheat(image: PreheatImage): Promise<PreheatStarted> {
    const id = randomUUID();
    const notification = {
      Events: [
        {
          Id: id,
          TimeStamp: new Date().toISOString(),
          Action: 'push',
          Target: { MediaType: image.mediaType, Digest: image.digest, Repository: image.repository, Url: image.url, Tag: image.tag },
        },
      ],
    };
    await providerRequest(this.connection, 'POST', '/registry/notifications', notification);
    return { taskId: id, final: { state: 'success', message: 'notification accepted (200)' }, message: `push notification ${id} sent` };
  }

  async progress(): Promise<PreheatState> {
    return { state: 'success' };
  }
}
