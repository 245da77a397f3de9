import { PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, MaxLength, Min, ValidateNested } from 'class-validator';
import { CREDENTIAL_TYPES, MASKED_SECRET, REGISTRY_TYPES, type CredentialType, type RegistryEndpoint, type RegistryHealth, type RegistryType } from '@wharf/registries';
import { PageQuery } from '../management/pagination';

/** Harbor's RegistryCredential. */
export class RegistryCredentialRequest {
  @IsOptional()
  @IsIn(CREDENTIAL_TYPES)
  type?: CredentialType;

  /** user name (basic); empty for oauth */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  access_key?: string;

  /** password or token; `*****` (what reads show) or absent keeps the stored secret on an update */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  access_secret?: string;
}

/** POST /registries (Harbor's Registry); read-only fields clients echo back are accepted and ignored. */
export class CreateRegistryRequest {
  @IsString()
  @Length(1, 255)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsIn(REGISTRY_TYPES)
  type: RegistryType;

  /** http:// or https://; may be empty for docker-hub (https://registry-1.docker.io) */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  /** skip TLS certificate verification */
  @IsOptional()
  @IsBoolean()
  insecure?: boolean;

  /** null or absent: anonymous */
  @IsOptional()
  @ValidateNested()
  @Type(() => RegistryCredentialRequest)
  credential?: RegistryCredentialRequest | null;

  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsString()
  status?: string;

  @IsOptional()
  @IsString()
  status_message?: string;

  @IsOptional()
  @IsString()
  last_checked?: string | null;

  @IsOptional()
  @IsString()
  creation_time?: string;

  @IsOptional()
  @IsString()
  update_time?: string;
}

/**
 * PUT /registries/{id}: a partial update; what is left out stays. Harbor's RegistryUpdate has
 * the credential flat (access_key, access_secret, credential_type), as the terraform provider
 * and harbor-cli send it; `credential` is taken too. A CA certificate is not supported: only an
 * empty one (what those clients send when none is set) is accepted.
 */
export class UpdateRegistryRequest extends PartialType(CreateRegistryRequest) {
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  access_key?: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  access_secret?: string;

  @IsOptional()
  @IsIn(CREDENTIAL_TYPES)
  credential_type?: CredentialType;

  @IsOptional()
  @Equals('', { message: 'ca_certificate: custom CA certificates for registry endpoints are not supported; leave it empty' })
  ca_certificate?: string;
}

/**
 * POST /registries/ping: an existing endpoint by `id` (the fields given override its own, e.g.
 * a new password to try before saving), or a full endpoint that is not stored.
 */
export class PingRegistryRequest extends PartialType(CreateRegistryRequest) {}

export class RegistryIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  id: number;
}

export class RegistryCredentialResponse {
  type: CredentialType;
  access_key: string;
  /** always `*****`: the secret never leaves */
  access_secret: string;
}

/** Harbor's Registry, as reads show it. */
export class RegistryResponse {
  id: number;
  name: string;
  description: string;
  type: RegistryType;
  url: string;
  insecure: boolean;
  credential: RegistryCredentialResponse | null;
  status: RegistryHealth;
  /** why the last health check failed; empty when healthy */
  status_message: string;
  last_checked: Date | null;
  creation_time: Date;
  update_time: Date;
}

export function toRegistryResponse(endpoint: RegistryEndpoint): RegistryResponse {
  return {
    id: endpoint.id,
    name: endpoint.name,
    description: endpoint.description,
    type: endpoint.type,
    url: endpoint.url,
    insecure: endpoint.insecure,
    credential: endpoint.credentialType ? { type: endpoint.credentialType, access_key: endpoint.accessKey ?? '', access_secret: MASKED_SECRET } : null,
    status: endpoint.status,
    status_message: endpoint.statusMessage,
    last_checked: endpoint.lastChecked,
    creation_time: endpoint.creationTime,
    update_time: endpoint.updateTime,
  };
}

/** GET /registries: `q`, or Harbor 2.0's `name` (a substring of the name). */
export class RegistryListQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  /** id, name, creation_time, update_time; `-` descending */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  sort?: string;
}
