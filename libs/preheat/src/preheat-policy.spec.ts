import { InvalidError } from '@wharf/errors';
import { parseExtraAttrs, parseFilters, parseTrigger } from './preheat-policy';
import { authHeaders } from './providers/provider-http';
import { reasonOfStatus } from './providers/preheat-provider';

describe('preheat policy parsing', () => {
  it("puts filters in Harbor's order and keeps their value types", () => {
    const filters = parseFilters(
      JSON.stringify([
        { type: 'vulnerability', value: 3 },
        { type: 'signature', value: true },
        { type: 'tag', value: '{v1*,latest}' },
        { type: 'label', value: 'prod,eu' },
        { type: 'repository', value: '**' },
      ]),
    );
    expect(filters).toEqual([
      { type: 'repository', value: '**' },
      { type: 'tag', value: '{v1*,latest}' },
      { type: 'label', value: 'prod,eu' },
      { type: 'signature', value: true },
      { type: 'vulnerability', value: 3 },
    ]);
    expect(parseFilters(undefined)).toEqual([]);
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['{"type":"tag"}', 'JSON array'],
    ['[{"type":"colour","value":"red"}]', 'unknown filter type colour'],
    ['[{"type":"tag","value":"a"},{"type":"tag","value":"b"}]', 'more than one tag filter'],
    ['[{"type":"signature","value":"true"}]', 'boolean'],
    ['[{"type":"vulnerability","value":"High"}]', 'severity code'],
    ['[{"type":"vulnerability","value":9}]', 'severity code'],
    ['[{"type":"repository","value":7}]', 'string value'],
  ])('refuses filters %s', (text, message) => {
    expect(() => parseFilters(text)).toThrow(InvalidError);
    expect(() => parseFilters(text)).toThrow(message);
  });

  it('checks triggers: a scheduled one needs a 6-field cron', () => {
    expect(parseTrigger(undefined)).toEqual({ type: 'manual' });
    expect(parseTrigger('{"type":"event_based","trigger_setting":{}}')).toEqual({ type: 'event_based', trigger_setting: {} });
    expect(parseTrigger('{"type":"scheduled","trigger_setting":{"cron":" 0 0 2 * * * "}}')).toEqual({ type: 'scheduled', trigger_setting: { cron: '0 0 2 * * *' } });
    expect(() => parseTrigger('{"type":"scheduled","trigger_setting":{}}')).toThrow('needs trigger_setting.cron');
    expect(() => parseTrigger('{"type":"scheduled","trigger_setting":{"cron":"0 2 * * *"}}')).toThrow('6 fields');
    expect(() => parseTrigger('{"type":"hourly"}')).toThrow('unknown trigger type');
  });

  it('takes extra_attrs as a JSON string or an object', () => {
    expect(parseExtraAttrs('{"scope":"all_peers","cluster_ids":[1]}')).toEqual({ scope: 'all_peers', cluster_ids: [1] });
    expect(parseExtraAttrs({ scope: 'single_seed_peer' })).toEqual({ scope: 'single_seed_peer' });
    expect(parseExtraAttrs(undefined)).toEqual({});
    expect(() => parseExtraAttrs('[1]')).toThrow('JSON object');
  });
});

describe('provider requests', () => {
  const connection = { vendor: 'dragonfly' as const, apiVersion: 'v2' as const, endpoint: 'http://df', insecure: false };

  it('authenticates as each auth mode says', () => {
    expect(authHeaders({ ...connection, authMode: 'NONE', authInfo: {} })).toEqual({});
    expect(authHeaders({ ...connection, authMode: 'BASIC', authInfo: { username: 'u', password: 'p' } })).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    expect(authHeaders({ ...connection, authMode: 'OAUTH', authInfo: { token: 'pat' } })).toEqual({ authorization: 'Bearer pat' });
    expect(authHeaders({ ...connection, authMode: 'CUSTOM', authInfo: { 'X-Api-Key': 'k' } })).toEqual({ 'X-Api-Key': 'k' });
  });

  it('names the reason of a refusal by its status', () => {
    expect([401, 403, 422, 429, 503, 500].map(reasonOfStatus)).toEqual(['unauthorized', 'forbidden', 'invalid', 'rate-limited', 'down', 'error']);
  });
});
