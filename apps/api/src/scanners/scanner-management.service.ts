import { Injectable } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import { AdapterError, fetchAdapterMetadata, normaliseAdapterAuth, type AdapterAuth, type AdapterConnection, type AdapterMetadata } from '@wharf/scanning';
import { ScannerRegistrations, type ScannerCheck, type ScannerRegistration } from '@wharf/scanners';
import { ApiError } from '../management/api-error';
import { auditActorOf } from '../management/audit-actor';
import type { Actor } from '../management/current-actor.decorator';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf, type PageQuery } from '../management/pagination';
import { ProjectAuthorizer, requireSysadmin } from '../management/project-authorizer';
import type { ProjectSelector } from '../projects/project-selector.decorator';
import {
  toScannerResponse, type CreateScannerRequest, type PingScannerRequest, type ScannerMetadataResponse, type ScannerResponse, type UpdateScannerRequest,
} from './scanner.dto';

/**
 * Harbor's /scanners (system administrators only) and each project's scanner (Harbor's `scanner`
 * resource: every role reads it, project admins choose it). A registration is validated by a live
 * metadata call before it is stored; each call records the adapter's health.
 */
@Injectable()
export class ScannerManagementService {
  constructor(
    private readonly registrations: ScannerRegistrations,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  async list(principal: Principal, query: PageQuery): Promise<{ items: ScannerResponse[]; total: number }> {
    requireSysadmin(principal);
    const name = parseHarborQuery(query.q, ['name']).get('name');
    if (name && name.kind !== 'exact' && name.kind !== 'fuzzy') throw new ApiError('BAD_REQUEST', 'name takes a value (=) or a substring (=~)');
    const { items, total } = await this.registrations.list({ name: name?.value, exactName: name?.kind === 'exact', offset: offsetOf(query), limit: query.page_size });
    return { items: items.map(toScannerResponse), total };
  }

  async get(principal: Principal, uuid: string): Promise<ScannerResponse> {
    requireSysadmin(principal);
    return toScannerResponse(await this.registrations.get(uuid));
  }

  async create(actor: Actor, request: CreateScannerRequest): Promise<ScannerResponse> {
    requireSysadmin(actor.principal);
    const auth = authOf(request.auth);
    const connection: AdapterConnection = { url: normaliseUrl(request.url), auth, credential: request.access_credential ?? null, skipCertVerify: request.skip_certVerify ?? false };
    const metadata = await this.validate(connection);
    const created = await this.registrations.create(
      {
        name: request.name,
        description: request.description ?? '',
        url: connection.url,
        auth,
        accessCredential: auth ? request.access_credential : undefined,
        isDefault: request.is_default ?? false,
        skipCertVerify: connection.skipCertVerify,
        useInternalAddr: request.use_internal_addr ?? false,
        disabled: request.disabled ?? false,
      },
      { healthy: true, scanner: metadata.scanner },
      auditActorOf(actor),
    );
    return toScannerResponse(created);
  }

  async update(actor: Actor, uuid: string, request: UpdateScannerRequest): Promise<void> {
    requireSysadmin(actor.principal);
    const stored = await this.registrations.get(uuid);
    const auth = request.auth === undefined ? stored.auth : authOf(request.auth);
    const url = request.url === undefined ? stored.url : normaliseUrl(request.url);
    // the stored credential goes only to the adapter it was stored for, with the same auth type
    const storedCredential = url === stored.url && auth === stored.auth ? await this.registrations.accessCredential(uuid) : null;
    const credential = auth === '' ? null : (request.access_credential ?? storedCredential);
    const connection: AdapterConnection = { url, auth, credential, skipCertVerify: request.skip_certVerify ?? stored.skipCertVerify };
    const metadata = await this.validate(connection);
    await this.registrations.update(
      uuid,
      {
        name: request.name,
        description: request.description,
        url,
        auth,
        accessCredential: credential,
        skipCertVerify: request.skip_certVerify,
        useInternalAddr: request.use_internal_addr,
        disabled: request.disabled,
      },
      { healthy: true, scanner: metadata.scanner },
      auditActorOf(actor),
    );
    if (request.is_default === true && !stored.isDefault) await this.registrations.setDefault(uuid, auditActorOf(actor));
  }

  async delete(actor: Actor, uuid: string): Promise<ScannerResponse> {
    requireSysadmin(actor.principal);
    return toScannerResponse(await this.registrations.delete(uuid, auditActorOf(actor)));
  }

  async setDefault(actor: Actor, uuid: string, isDefault: boolean): Promise<void> {
    requireSysadmin(actor.principal);
    if (!isDefault) throw new ApiError('BAD_REQUEST', 'a default scanner is replaced by making another one the default');
    await this.registrations.setDefault(uuid, auditActorOf(actor));
  }

  /** 200 when the adapter answers valid metadata with the credential; 400 with the reason otherwise. */
  async ping(principal: Principal, request: PingScannerRequest): Promise<void> {
    requireSysadmin(principal);
    const auth = authOf(request.auth);
    await this.validate({ url: normaliseUrl(request.url), auth, credential: request.access_credential ?? null, skipCertVerify: request.skip_certVerify ?? false });
  }

  /** The adapter's metadata, live; the answer (or failure) is recorded as the registration's health. */
  async metadata(principal: Principal, uuid: string): Promise<ScannerMetadataResponse> {
    requireSysadmin(principal);
    const registration = await this.registrations.get(uuid);
    try {
      const metadata = await fetchAdapterMetadata(await this.connectionOf(registration));
      await this.registrations.recordHealth(uuid, { healthy: true, scanner: metadata.scanner });
      return metadata;
    } catch (error) {
      if (!(error instanceof AdapterError)) throw error;
      await this.registrations.recordHealth(uuid, unhealthy(error));
      throw new ApiError('BAD_REQUEST', `scanner ${registration.name}: ${error.message}`);
    }
  }

  /** The project's scanner; none registered (or only disabled ones): 200 with no body, as Harbor. */
  async projectScanner(principal: Principal, selector: ProjectSelector): Promise<ScannerResponse | undefined> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'scanner:read', selector.isResourceName);
    const registration = await this.registrations.forProject(project.project_id);
    return registration ? toScannerResponse(registration) : undefined;
  }

  async setProjectScanner(actor: Actor, selector: ProjectSelector, uuid: string): Promise<void> {
    const { project } = await this.authorizer.require(actor.principal, selector.nameOrId, 'scanner:create', selector.isResourceName);
    await this.registrations.setForProject(project.project_id, project.name, uuid, auditActorOf(actor));
  }

  /** The registrations a project admin may choose from (the enabled ones). */
  async candidates(principal: Principal, selector: ProjectSelector, query: PageQuery): Promise<{ items: ScannerResponse[]; total: number }> {
    await this.authorizer.require(principal, selector.nameOrId, 'scanner:create', selector.isResourceName);
    const name = parseHarborQuery(query.q, ['name']).get('name');
    const { items } = await this.registrations.list({ name: name?.value, exactName: name?.kind === 'exact' });
    const enabled = items.filter((r) => !r.disabled);
    return { items: enabled.slice(offsetOf(query), offsetOf(query) + query.page_size).map(toScannerResponse), total: enabled.length };
  }

  private async connectionOf(registration: ScannerRegistration): Promise<AdapterConnection> {
    return { url: registration.url, auth: registration.auth, credential: await this.registrations.accessCredential(registration.uuid), skipCertVerify: registration.skipCertVerify };
  }

  private async validate(connection: AdapterConnection): Promise<AdapterMetadata> {
    try {
      return await fetchAdapterMetadata(connection);
    } catch (error) {
      if (error instanceof AdapterError) throw new ApiError('BAD_REQUEST', `the scanner adapter at ${connection.url} is not usable: ${error.message}`);
      throw error;
    }
  }
}

function authOf(spelling: string | undefined): AdapterAuth {
  const auth = normaliseAdapterAuth(spelling);
  if (auth === null) throw new ApiError('BAD_REQUEST', `unknown auth ${spelling}: None, Basic, Bearer or X-ScannerAdapter-API-Key`);
  return auth;
}

function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ApiError('BAD_REQUEST', `invalid scanner url ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ApiError('BAD_REQUEST', 'a scanner url is http:// or https://');
  if (url.username || url.password || url.search || url.hash) throw new ApiError('BAD_REQUEST', 'a scanner url carries no credential, query or fragment');
  return url.toString().replace(/\/+$/, '');
}

const unhealthy = (error: AdapterError): ScannerCheck => ({ healthy: false, message: error.message });
