import { Injectable } from '@nestjs/common';
import { ApiError } from '../management/api-error';
import type { Principal } from '@wharf/iam';
import {
  REGISTRY_TYPES, RegistryService, checkRegistryType, mergeCredential, normaliseRegistryUrl, pingEndpoint,
  type CredentialInput, type RegistryInput, type RegistryType, type UpstreamEndpoint,
} from '@wharf/registries';
import { auditActorOf } from '../management/audit-actor';
import type { Actor } from '../management/current-actor.decorator';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf, type PageQuery } from '../management/pagination';
import { requireSysadmin } from '../management/project-authorizer';
import { toRegistryResponse, type CreateRegistryRequest, type PingRegistryRequest, type RegistryCredentialRequest, type RegistryResponse, type UpdateRegistryRequest } from './registry.dto';

/**
 * Harbor's /registries, for system administrators only (Harbor also lets project admins read
 * them to pick a proxy-cache upstream; Wharf creates proxy-cache projects only as a system
 * admin, so nobody else needs them). RegistryService audits changes by name, never with the credential.
 */
@Injectable()
export class RegistryManagementService {
  constructor(private readonly registries: RegistryService) {}

  /** `q=name=...` (= exact, =~ substring), or Harbor 2.0's `name=` (a substring) */
  async list(principal: Principal, query: PageQuery & { name?: string; sort?: string }): Promise<{ items: RegistryResponse[]; total: number }> {
    requireSysadmin(principal);
    const name = parseHarborQuery(query.q, ['name']).get('name') ?? (query.name ? { key: 'name', kind: 'fuzzy' as const, value: query.name } : undefined);
    if (name && name.kind !== 'exact' && name.kind !== 'fuzzy') throw new ApiError('BAD_REQUEST', 'name takes a value (=) or a substring (=~)');
    const { items, total } = await this.registries.list({ name: name?.value, exactName: name?.kind === 'exact', sort: query.sort, offset: offsetOf(query), limit: query.page_size });
    return { items: items.map(toRegistryResponse), total };
  }

  async get(principal: Principal, id: number): Promise<RegistryResponse> {
    requireSysadmin(principal);
    return toRegistryResponse(await this.registries.get(id));
  }

  async create(actor: Actor, request: CreateRegistryRequest): Promise<RegistryResponse> {
    requireSysadmin(actor.principal);
    const endpoint = await this.registries.create({ ...toInput(request), name: request.name, type: request.type }, auditActorOf(actor));
    return toRegistryResponse(endpoint);
  }

  async update(actor: Actor, id: number, request: UpdateRegistryRequest): Promise<void> {
    requireSysadmin(actor.principal);
    await this.registries.update(id, toInput(request), auditActorOf(actor));
  }

  async delete(actor: Actor, id: number): Promise<void> {
    requireSysadmin(actor.principal);
    await this.registries.delete(id, auditActorOf(actor));
  }

  /** 200 when the endpoint answers with its credential; otherwise 400 saying which kind of failure (never with the secret, nor the socket's error). */
  async ping(principal: Principal, request: PingRegistryRequest): Promise<void> {
    requireSysadmin(principal);
    const outcome = await pingEndpoint(await this.endpointToPing(request));
    if (!outcome.ok) throw new ApiError('BAD_REQUEST', outcome.message);
  }

  /** Harbor's /replication/adapters: the registry types an endpoint may have. */
  adapters(principal: Principal): RegistryType[] {
    requireSysadmin(principal);
    return [...REGISTRY_TYPES];
  }

  /**
   * A stored endpoint, possibly with some fields tried otherwise. Its stored credential goes only
   * to the endpoint it was stored for: once the url, type or insecure flag differ, only a
   * credential the request carries itself is sent (as Harbor does), else the ping is anonymous.
   */
  private async endpointToPing(request: PingRegistryRequest): Promise<UpstreamEndpoint> {
    if (request.id !== undefined) {
      const stored = await this.registries.upstreamEndpoint(request.id);
      const type = request.type === undefined ? stored.type : checkRegistryType(request.type);
      const url = request.url === undefined ? stored.url : normaliseRegistryUrl(type, request.url);
      const insecure = request.insecure ?? stored.insecure;
      const storedCredential = type === stored.type && url === stored.url && insecure === stored.insecure ? stored.credential : null;
      const credential = request.credential === undefined ? storedCredential : mergeCredential(toCredentialInput(request.credential), storedCredential);
      return { type, url, insecure, credential };
    }
    if (!request.type) throw new ApiError('BAD_REQUEST', 'ping needs the id of a registry or a type and url');
    const type = checkRegistryType(request.type);
    return { type, url: normaliseRegistryUrl(type, request.url), insecure: request.insecure ?? false, credential: mergeCredential(toCredentialInput(request.credential), null) };
  }
}

/** The fields the request carries, in the service's terms; absent ones stay absent (partial updates). */
function toInput(request: UpdateRegistryRequest): Partial<RegistryInput> {
  const input: Partial<RegistryInput> = {};
  if (request.name !== undefined) input.name = request.name;
  if (request.description !== undefined) input.description = request.description;
  if (request.type !== undefined) input.type = request.type;
  if (request.url !== undefined) input.url = request.url;
  if (request.insecure !== undefined) input.insecure = request.insecure;
  if (request.credential !== undefined) input.credential = toCredentialInput(request.credential);
  // Harbor's flat RegistryUpdate fields (an empty key and secret: no credential)
  if (request.access_key !== undefined || request.access_secret !== undefined || request.credential_type !== undefined) {
    input.credential = { type: request.credential_type ?? request.credential?.type, accessKey: request.access_key, accessSecret: request.access_secret };
  }
  return input;
}

function toCredentialInput(credential: RegistryCredentialRequest | null | undefined): CredentialInput | null {
  if (!credential) return null;
  return { type: credential.type, accessKey: credential.access_key, accessSecret: credential.access_secret };
}
