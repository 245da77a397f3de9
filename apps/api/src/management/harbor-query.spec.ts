import { ApiError } from './api-error';
import { parseHarborQuery } from './harbor-query';

describe('parseHarborQuery', () => {
  it('parses exact, fuzzy, range and any-of terms', () => {
    const terms = parseHarborQuery('name=~foo,public=true,op_time=[2024-01-01~2024-02-01],operation={create delete}', ['name', 'public', 'op_time', 'operation']);
    expect(terms.get('name')).toEqual({ key: 'name', kind: 'fuzzy', value: 'foo' });
    expect(terms.get('public')).toEqual({ key: 'public', kind: 'exact', value: 'true' });
    expect(terms.get('op_time')?.values).toEqual(['2024-01-01', '2024-02-01']);
    expect(terms.get('operation')?.values).toEqual(['create', 'delete']);
  });

  it('accepts the URL-encoded form clients send', () => {
    expect(parseHarborQuery(encodeURIComponent('name=~a b'), ['name']).get('name')?.value).toBe('a b');
  });

  it('refuses unknown keys naming them, and malformed terms', () => {
    expect(() => parseHarborQuery('colour=blue', ['name'])).toThrow(ApiError);
    expect(() => parseHarborQuery('colour=blue', ['name'])).toThrow(/colour/);
    expect(() => parseHarborQuery('justtext', ['name'])).toThrow(/malformed/);
  });

  it('treats an absent or empty q as no terms', () => {
    expect(parseHarborQuery(undefined, ['name']).size).toBe(0);
    expect(parseHarborQuery('', ['name']).size).toBe(0);
  });
});
