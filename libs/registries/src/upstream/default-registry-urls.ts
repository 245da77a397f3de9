import type { RegistryType } from '../registry-endpoint';

/** Where a hosted registry type pulls from when the endpoint's stored URL leaves it open. */
export const DEFAULT_REGISTRY_URLS: Partial<Record<RegistryType, string>> = {
  'docker-hub': 'https://registry-1.docker.io',
  'github-ghcr': 'https://ghcr.io',
  quay: 'https://quay.io',
  'google-gcr': 'https://gcr.io',
};

/** The endpoint's URL without trailing slashes, or the type's default when it is blank. */
export function registryUrl(type: RegistryType, url: string | null | undefined): string {
  const trimmed = (url ?? '').trim().replace(/\/+$/, '');
  if (trimmed) return trimmed;
  const fallback = DEFAULT_REGISTRY_URLS[type];
  if (!fallback) throw new Error(`a ${type} endpoint needs a URL`);
  return fallback;
}
