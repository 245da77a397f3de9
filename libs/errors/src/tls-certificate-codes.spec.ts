import { isCertificateErrorCode } from './tls-certificate-codes';

describe('isCertificateErrorCode', () => {
  it('knows TLS verification failures, and nothing else', () => {
    expect(isCertificateErrorCode('SELF_SIGNED_CERT_IN_CHAIN')).toBe(true);
    expect(isCertificateErrorCode('ERR_TLS_CERT_ALTNAME_INVALID')).toBe(true);
    expect(isCertificateErrorCode('ECONNREFUSED')).toBe(false);
    expect(isCertificateErrorCode(undefined)).toBe(false);
  });
});
