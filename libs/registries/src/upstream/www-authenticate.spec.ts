import { parseWwwAuthenticate } from './www-authenticate';

describe('parseWwwAuthenticate', () => {
  it('reads a Bearer challenge as Docker Hub sends it', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
    });
  });

  it('keeps commas inside quoted values (scopes with several actions)', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://r.example/service/token", scope="repository:a/b:pull,push"')?.params).toEqual({
      realm: 'https://r.example/service/token',
      scope: 'repository:a/b:pull,push',
    });
  });

  it('reads a Basic challenge, scheme case-insensitively', () => {
    expect(parseWwwAuthenticate('basic realm="Registry Realm"')).toEqual({ scheme: 'basic', params: { realm: 'Registry Realm' } });
  });

  it('accepts unquoted token values, odd spacing and upper-case parameter names', () => {
    expect(parseWwwAuthenticate('Bearer  Realm = https://x.example/token ,service=x.example')?.params).toEqual({ realm: 'https://x.example/token', service: 'x.example' });
  });

  it('unescapes quoted-pairs', () => {
    expect(parseWwwAuthenticate('Basic realm="a \\"quoted\\" realm"')?.params.realm).toBe('a "quoted" realm');
  });

  it('takes the first of several challenges', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://t.example/token", Basic realm="fallback"')).toEqual({ scheme: 'bearer', params: { realm: 'https://t.example/token' } });
    expect(parseWwwAuthenticate(['Basic realm="one"', 'Bearer realm="two"'])?.scheme).toBe('basic');
  });

  it('handles a bare scheme, an unterminated quote and a missing header', () => {
    expect(parseWwwAuthenticate('Basic')).toEqual({ scheme: 'basic', params: {} });
    expect(parseWwwAuthenticate('Bearer realm="https://t.example/token')?.params.realm).toBe('https://t.example/token');
    expect(parseWwwAuthenticate(undefined)).toBeNull();
    expect(parseWwwAuthenticate('')).toBeNull();
  });
});
