import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import type { AdapterMetadata } from '@wharf/scanning';
import type { ScannerRegistration } from '@wharf/scanners';

/** Harbor's spellings of a registration's auth ('' and None: no credential; APIKey = X-ScannerAdapter-API-Key). */
export const SCANNER_AUTH_SPELLINGS = ['', 'None', 'Basic', 'Bearer', 'X-ScannerAdapter-API-Key', 'APIKey'] as const;

/** POST /scanners/ping (Harbor's ScannerRegistrationSettings). */
export class PingScannerRequest {
  @IsOptional()
  @IsString()
  @MaxLength(128)
  name?: string;

  @IsString()
  @Length(1, 256)
  url: string;

  @IsOptional()
  @IsIn(SCANNER_AUTH_SPELLINGS)
  auth?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  access_credential?: string;

  @IsOptional()
  @IsBoolean()
  skip_certVerify?: boolean;
}

/** POST /scanners (Harbor's ScannerRegistrationReq); read-only fields echoed back are ignored. */
export class CreateScannerRequest {
  @IsString()
  @Length(1, 128)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsString()
  @Length(1, 256)
  url: string;

  @IsOptional()
  @IsIn(SCANNER_AUTH_SPELLINGS)
  auth?: string;

  /** `user:password` for Basic, the token or key otherwise; sealed, never shown back */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  access_credential?: string;

  @IsOptional()
  @IsBoolean()
  skip_certVerify?: boolean;

  @IsOptional()
  @IsBoolean()
  use_internal_addr?: boolean;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsBoolean()
  is_default?: boolean;

  @IsOptional()
  @IsString()
  uuid?: string;
}

/** PUT /scanners/{id}: the same fields; absent ones keep their value, an absent access_credential keeps the stored one. */
export class UpdateScannerRequest {
  @IsOptional()
  @IsString()
  @Length(1, 128)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsOptional()
  @IsString()
  @Length(1, 256)
  url?: string;

  @IsOptional()
  @IsIn(SCANNER_AUTH_SPELLINGS)
  auth?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  access_credential?: string;

  @IsOptional()
  @IsBoolean()
  skip_certVerify?: boolean;

  @IsOptional()
  @IsBoolean()
  use_internal_addr?: boolean;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsBoolean()
  is_default?: boolean;

  @IsOptional()
  @IsString()
  uuid?: string;
}

/** PATCH /scanners/{id} (Harbor's IsDefault). */
export class SetDefaultScannerRequest {
  @IsBoolean()
  is_default: boolean;
}

/** PUT /projects/{p}/scanner (Harbor's ProjectScanner). */
export class ProjectScannerRequest {
  @IsUUID()
  uuid: string;
}

export class ScannerIdParams {
  @IsUUID()
  registration_id: string;
}

/** Harbor's ScannerRegistration (access_credential is never shown). */
export class ScannerResponse {
  uuid!: string;
  name!: string;
  description!: string;
  url!: string;
  disabled!: boolean;
  is_default!: boolean;
  auth!: string;
  skip_certVerify!: boolean;
  use_internal_addr!: boolean;
  create_time!: string;
  update_time!: string;
  adapter?: string;
  vendor?: string;
  version?: string;
  health!: string;
}

export function toScannerResponse(r: ScannerRegistration): ScannerResponse {
  return {
    uuid: r.uuid,
    name: r.name,
    description: r.description,
    url: r.url,
    disabled: r.disabled,
    is_default: r.isDefault,
    auth: r.auth,
    skip_certVerify: r.skipCertVerify,
    use_internal_addr: r.useInternalAddr,
    create_time: r.createTime.toISOString(),
    update_time: r.updateTime.toISOString(),
    ...(r.adapter ? { adapter: r.adapter } : {}),
    ...(r.vendor ? { vendor: r.vendor } : {}),
    ...(r.version ? { version: r.version } : {}),
    health: r.health,
  };
}

/** Harbor's ScannerAdapterMetadata. */
export type ScannerMetadataResponse = AdapterMetadata;
