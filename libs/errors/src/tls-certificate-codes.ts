/**
 * Node's TLS verification failures: the peer is there but cannot be trusted. Retrying does not
 * help; the endpoint must be fixed or marked insecure. Shared by everything that dials out
 * (upstream registries, webhook targets) so they agree on what a certificate problem is.
 */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isCertificateErrorCode(code: string | undefined): boolean {
  return code !== undefined && CERTIFICATE_CODES.has(code);
}
