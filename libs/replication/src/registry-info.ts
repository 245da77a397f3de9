import type { RegistryEndpoint, RegistryType } from '@wharf/registries';
import type { TriggerType } from './replication-policy';

/** Harbor's FilterStyle: how a UI offers a filter. */
export interface FilterStyle {
  type: 'name' | 'tag' | 'label' | 'resource';
  style: 'input' | 'radio' | 'list';
  values?: string[];
}

/** Harbor's RegistryInfo: what replication can do with an endpoint of a type. */
export interface RegistryInfo {
  type: RegistryType;
  description: string;
  supported_resource_filters: FilterStyle[];
  supported_triggers: TriggerType[];
  supported_copy_by_chunk: boolean;
}

interface TypeCapabilities {
  description: string;
  /** a push-based policy may send content there */
  takesPushes: boolean;
  /** pushes need the endpoint's credential (hosted registries never take anonymous pushes) */
  pushNeedsCredential: boolean;
  /** takes chunked uploads (PATCH with Content-Range) */
  copyByChunk: boolean;
}

const CAPABILITIES: Record<RegistryType, TypeCapabilities> = {
  'docker-registry': { description: 'a CNCF distribution registry (docker-registry) or any OCI registry', takesPushes: true, pushNeedsCredential: false, copyByChunk: true },
  harbor: { description: 'a Harbor (or another Wharf)', takesPushes: true, pushNeedsCredential: true, copyByChunk: true },
  'docker-hub': { description: 'Docker Hub', takesPushes: true, pushNeedsCredential: true, copyByChunk: false },
  'github-ghcr': { description: 'GitHub Container Registry', takesPushes: true, pushNeedsCredential: true, copyByChunk: false },
  quay: { description: 'Quay', takesPushes: true, pushNeedsCredential: true, copyByChunk: false },
  'google-gcr': { description: 'Google Container Registry / Artifact Registry', takesPushes: true, pushNeedsCredential: true, copyByChunk: false },
};

/**
 * An endpoint's RegistryInfo, as a source of pull-based policies shows it: its artifacts can be
 * chosen by name, tag and resource (labels are this Wharf's own: a label filter needs this Wharf
 * as the source); triggers are manual and scheduled (event_based reacts to this Wharf's pushes,
 * so only push-based policies take it).
 */
export function registryInfoOf(type: RegistryType): RegistryInfo {
  const capabilities = CAPABILITIES[type];
  return {
    type,
    description: capabilities.description,
    supported_resource_filters: [
      { type: 'name', style: 'input' },
      { type: 'tag', style: 'input' },
      { type: 'resource', style: 'radio', values: ['image', 'artifact'] },
    ],
    supported_triggers: ['manual', 'scheduled'],
    supported_copy_by_chunk: capabilities.copyByChunk,
  };
}

/** Why a push-based policy may not send to this endpoint; null when it may. */
export function pushRefusal(endpoint: Pick<RegistryEndpoint, 'type' | 'name' | 'credentialType'>): string | null {
  const capabilities = CAPABILITIES[endpoint.type];
  if (!capabilities.takesPushes) return `a ${endpoint.type} endpoint takes no pushes, so ${endpoint.name} cannot be the destination of a push-based policy`;
  if (capabilities.pushNeedsCredential && !endpoint.credentialType) {
    return `${endpoint.type} takes no anonymous pushes: give the endpoint ${endpoint.name} a credential before it is the destination of a push-based policy`;
  }
  return null;
}

/** Whether copy_by_chunk can be asked of an endpoint of this type. */
export const takesChunks = (type: RegistryType): boolean => CAPABILITIES[type].copyByChunk;
