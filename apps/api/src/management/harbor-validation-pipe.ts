import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';

/**
 * Query parameters Harbor v2.0's API defines that Wharf does not implement (yet): a Harbor
 * client sends them on the lists it calls (`with_signature`, `with_scan_overview`...), so they
 * are accepted and ignored instead of refused. An endpoint that implements one declares it in
 * its query DTO and gets it validated as usual. Any other unknown parameter is still a 400
 * naming it.
 */
export const IGNORED_HARBOR_QUERY_PARAMETERS: readonly string[] = [
  'with_signature',
  'with_immutable_status',
  'with_label',
  'with_scan_overview',
  'with_sbom_overview',
  'with_tag',
  'with_accessory',
  'with_detail',
  'with_policy',
  'with_job_info',
  'with_details',
  'page',
  'page_size',
  'q',
  'sort',
  'X-Accept-Vulnerabilities',
];

/**
 * The global pipe: whitelist + forbidNonWhitelisted (unknown body fields and query parameters
 * are a 400 naming them), except for the Harbor query parameters above, which are dropped from a
 * query object whose DTO does not declare them.
 */
export class HarborValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // the whole query object only (@Query() with a DTO), never one parameter (@Query('scope') may be an array)
    if (metadata.type === 'query' && metadata.data === undefined && value && typeof value === 'object' && !Array.isArray(value) && typeof metadata.metatype === 'function') {
      const declared = declaredProperties(metadata.metatype);
      const kept = Object.fromEntries(Object.entries(value).filter(([key]) => declared.has(key) || !IGNORED_HARBOR_QUERY_PARAMETERS.includes(key)));
      return super.transform(kept, metadata);
    }
    return super.transform(value, metadata);
  }
}

const declaredCache = new WeakMap<object, Set<string>>();

function declaredProperties(metatype: object): Set<string> {
  let declared = declaredCache.get(metatype);
  if (!declared) {
    const metadatas = getMetadataStorage().getTargetValidationMetadatas(metatype as new () => unknown, '', true, false);
    declared = new Set(metadatas.map((m) => m.propertyName));
    declaredCache.set(metatype, declared);
  }
  return declared;
}
