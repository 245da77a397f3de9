import type { AuthMode, PreheatVendor, ProviderConnection } from '../preheat-instance';
import { DragonflyV1Provider } from './dragonfly-v1.adapter';
import { DragonflyV2Provider } from './dragonfly.adapter';
import { KrakenProvider } from './kraken.adapter';
import type { PreheatProvider } from './preheat-provider';


/** Harbor's provider Metadata (GET /p2p/preheat/providers), plus the auth modes each takes. */
export interface ProviderMetadata {
  id: PreheatVendor;
  name: string;
  icon: string;
  version: string;
  source: string;
  maintainers: string[];
  auth_mode: AuthMode[];
  /** Dragonfly only: the APIs an instance may speak (`api_version`) */
  api_versions?: string[];
}

export const PROVIDERS: readonly ProviderMetadata[] = [
  {
    id: 'dragonfly',
    name: 'Dragonfly',
    icon: '',
    version: '2.x',
    source: 'https://github.com/dragonflyoss/Dragonfly2',
    maintainers: [],
    auth_mode: ['NONE', 'BASIC', 'OAUTH', 'CUSTOM'],
    api_versions: ['v2', 'v1'],
  },
  {
    id: 'kraken',
    name: 'Kraken',
    icon: '',
    version: '0.1.x',
    source: 'https://github.com/uber/kraken',
    maintainers: [],
    auth_mode: ['NONE', 'BASIC', 'OAUTH', 'CUSTOM'],
  },
];

/** The adapter for an instance: Dragonfly speaks the v2 manager API unless the instance says `api_version: "v1"`. */
export function createPreheatProvider(connection: ProviderConnection): PreheatProvider {
  if (connection.vendor === 'kraken') return new KrakenProvider(connection);
  return connection.apiVersion === 'v1' ? new DragonflyV1Provider(connection) : new DragonflyV2Provider(connection);
}
