import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import spec from './fixtures/pluggable-scanner-spec-v1.2.schemas.json';

/**
 * The pluggable scanner spec's own schemas (v1.2, kept as a fixture), with ajv: metadata and
 * reports must validate. OpenAPI 3.0's extras (`example`, `nullable`, `format: float`) are allowed.
 */
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('float', true);
ajv.addSchema(spec as object);

export type SpecSchema = 'ScannerAdapterMetadata' | 'HarborVulnerabilityReport' | 'HarborSbomReport' | 'ErrorResponse' | 'ScanResponse';

/** The schema's errors for `value` (empty when it validates). */
export function specErrors(schema: SpecSchema, value: unknown): unknown[] {
  const validate = ajv.getSchema(`${spec.$id}#/components/schemas/${schema}`);
  if (!validate) throw new Error(`no schema ${schema}`);
  return validate(value) ? [] : (validate.errors ?? []);
}
