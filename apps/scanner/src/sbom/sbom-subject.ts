import type { Inventory } from '../inventory/inventory';

/** What an SBOM describes and who made it: the scanned image, its inventory and the scanner. */
export interface SbomSubject {
  inventory: Inventory;
  image: {
    /** `https://registry.example:5000`, as the scan request named the registry */
    registryUrl: string;
    repository: string;
    /** the manifest digest scanned */
    digest: string;
    tag?: string;
  };
  tool: { vendor: string; name: string; version: string };
  /** document time; now when not given */
  created?: Date;
}

/** `registry.example:5000/library/nginx@sha256:...` */
export function imageReference(subject: SbomSubject): string {
  return `${registryHost(subject.image.registryUrl)}/${subject.image.repository}@${subject.image.digest}`;
}

export function registryHost(registryUrl: string): string {
  return registryUrl.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}

/** The image's own purl (purl-spec `oci` type): the last path segment as name, the registry path as `repository_url`. */
export function imagePurl(subject: SbomSubject): string {
  const { repository, digest, tag } = subject.image;
  const name = repository.slice(repository.lastIndexOf('/') + 1);
  const qualifiers = [`repository_url=${encodeURIComponent(`${registryHost(subject.image.registryUrl)}/${repository}`)}`, ...(tag ? [`tag=${encodeURIComponent(tag)}`] : [])];
  return `pkg:oci/${encodeURIComponent(name)}@${encodeURIComponent(digest)}?${qualifiers.join('&')}`;
}
