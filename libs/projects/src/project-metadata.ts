import { InvalidError } from '@wharf/errors';

const BOOLEAN = ['true', 'false'];
const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'];

/**
 * The metadata keys a project accepts, with what each may hold (Harbor's keys, plus the
 * proxy-cache settings later features read). Values are strings, as in Harbor's API.
 */
const RULES: Record<string, (value: string) => boolean> = {
  public: (v) => BOOLEAN.includes(v),
  enable_content_trust: (v) => BOOLEAN.includes(v),
  enable_content_trust_cosign: (v) => BOOLEAN.includes(v),
  prevent_vul: (v) => BOOLEAN.includes(v),
  severity: (v) => SEVERITIES.includes(v),
  auto_scan: (v) => BOOLEAN.includes(v),
  reuse_sys_cve_allowlist: (v) => BOOLEAN.includes(v),
  retention_id: (v) => /^\d{1,10}$/.test(v),
  proxy_speed_kb: (v) => /^-?\d{1,10}$/.test(v) && Number(v) >= -1,
  max_upstream_conn: (v) => /^-?\d{1,6}$/.test(v) && Number(v) >= -1,
  proxy_freshness_seconds: (v) => /^\d{1,7}$/.test(v),
  proxy_keep_on_upstream_404: (v) => BOOLEAN.includes(v),
  proxy_cache_ttl_days: (v) => /^\d{1,5}$/.test(v),
  // Harbor 2.11+ keys its clients (the terraform provider) always send: stored and shown; SBOM generation comes with scanning
  auto_sbom_generation: (v) => BOOLEAN.includes(v),
  proxy_cache_local_on_not_found: (v) => BOOLEAN.includes(v),
  // proxy-cache projects: the first pull of a newly cached artifact waits for its scan (libs/scanning PullPolicy)
  proxy_scan_before_serve: (v) => BOOLEAN.includes(v),
};

export const METADATA_KEYS = Object.keys(RULES);

/** Normalises metadata from a request: known keys only, string values (booleans accepted and turned into strings). */
export function checkMetadata(input: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, raw] of Object.entries(input)) {
    const rule = RULES[key];
    if (!rule) throw new InvalidError('request', `unknown metadata key "${key}"; known keys: ${METADATA_KEYS.join(', ')}`);
    const value = typeof raw === 'boolean' || typeof raw === 'number' ? String(raw) : raw;
    if (typeof value !== 'string' || !rule(value)) throw new InvalidError('request', `invalid value for metadata "${key}"`);
    result[key] = value;
  }
  return result;
}
