import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const schema = (name: string) => JSON.parse(readFileSync(join(__dirname, 'schemas', name), 'utf8')) as object;

/** A validator of CycloneDX 1.6 JSON against the official schema and the two it references. */
export function cycloneDx16Validator(): ValidateFunction {
  // the schema uses `meta:enum` annotations: not strict mode
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('iri-reference', (value: string) => {
    try {
      new URL(value, 'http://base.invalid/');
      return true;
    } catch {
      return false;
    }
  });
  ajv.addFormat('idn-email', /^[^@\s]+@[^@\s]+$/);
  ajv.addSchema(schema('spdx.schema.json'));
  ajv.addSchema(schema('jsf-0.82.schema.json'));
  return ajv.compile(schema('bom-1.6.schema.json'));
}
