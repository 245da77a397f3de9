import { loadConfig } from '@wharf/config';
import { EpochCheckedMemo, projectSettingsEpochs } from './epoch-checked-memo';
import { fakeEpochRedis as fakeRedis } from './fake-epoch-redis';
import { RevocationEpochs } from './revocation-epochs';


/** A read that answers `value` and counts its calls. */
function counted<V>(value: () => V) {
  const read = Object.assign(async () => {
    read.calls += 1;
    return value();
  }, { calls: 0 });
  return read;
}

describe('EpochCheckedMemo', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());
  const config = loadConfig({});

  it("remembers a value until the project's settings or access epoch moves: at once on the replica that moved it, within a second on another", async () => {
    const { redis } = fakeRedis();
    const [here, there] = [new RevocationEpochs(redis, config), new RevocationEpochs(redis, config)];
    const [memoHere, memoThere] = [here, there].map((epochs) => new EpochCheckedMemo<string, string>({ changedSince: projectSettingsEpochs(epochs) }));
    const read = counted(() => 'v1');
    expect(await memoHere.get('library', read)).toBe('v1');
    expect(await memoThere.get('library', read)).toBe('v1');
    now += 10;
    expect(await memoHere.get('library', read)).toBe('v1');
    expect(await memoThere.get('library', read)).toBe('v1');
    expect(read.calls).toBe(2);

    now += 10;
    await here.changingProjectSettings('library', async () => undefined);
    now += 10;
    await memoHere.get('library', read);
    expect(read.calls).toBe(3);
    await memoThere.get('library', read);
    expect(read.calls).toBe(3);
    now += 1_000;
    await memoThere.get('library', read);
    expect(read.calls).toBe(4);

    // another project's change forgets nothing; the project's access ending does
    now += 10;
    await here.revokingProjectAccess('other', async () => undefined);
    now += 10;
    await memoHere.get('library', read);
    expect(read.calls).toBe(4);
    await here.revokingProjectAccess('library', async () => undefined);
    now += 10;
    await memoHere.get('library', read);
    expect(read.calls).toBe(5);
  });

  it('checks the epochs it is given, of the key asked; entries told apart by `idOf`', async () => {
    const { redis } = fakeRedis();
    const epochs = new RevocationEpochs(redis, config);
    const memo = new EpochCheckedMemo<{ principal: string; project: string }, string>({
      idOf: ({ principal, project }) => `${principal}\0${project}`,
      changedSince: ({ principal, project }, readAt) => [epochs.revokedSince(principal, readAt), epochs.projectAccessRevokedSince(project, readAt)],
    });
    const read = counted(() => 'rights');
    await memo.get({ principal: 'alice', project: 'library' }, read);
    await memo.get({ principal: 'alice', project: 'library' }, read);
    await memo.get({ principal: 'bob', project: 'library' }, read);
    expect(read.calls).toBe(2);
    now += 10;
    await epochs.revoke('alice');
    now += 10;
    await memo.get({ principal: 'alice', project: 'library' }, read);
    await memo.get({ principal: 'bob', project: 'library' }, read);
    expect(read.calls).toBe(3);
  });

  it('while the epochs cannot be read, reads every time; trusts what it remembers again once they can', async () => {
    const { redis, state } = fakeRedis();
    const memo = new EpochCheckedMemo<string, string>({ changedSince: projectSettingsEpochs(new RevocationEpochs(redis, config)) });
    const read = counted(() => 'v');
    state.down = true;
    await memo.get('library', read);
    await memo.get('library', read);
    expect(read.calls).toBe(2);
    // RevocationEpochs does not ask Redis again for a few seconds after it failed
    now += 5_000;
    state.down = false;
    await memo.get('library', read);
    expect(read.calls).toBe(2);
  });

  it('keeps only what `keep` accepts (forgetting what it held) and returns only what `usable` accepts', async () => {
    const { redis } = fakeRedis();
    const memo = new EpochCheckedMemo<string, string | null>({ changedSince: projectSettingsEpochs(new RevocationEpochs(redis, config)) });
    let value: string | null = 'found';
    const read = counted(() => value);
    const keep = (v: string | null) => v !== null;
    await memo.get('library', read, { keep });
    value = null;
    expect(await memo.get('library', read, { usable: () => false, keep })).toBeNull();
    value = 'found again';
    expect(await memo.get('library', read, { keep })).toBe('found again');
    expect(await memo.get('library', read, { keep })).toBe('found again');
    expect(read.calls).toBe(3);
  });

  it('holds at most 10,000 entries, the one written longest ago going first, and none for a minute or longer', async () => {
    const { redis } = fakeRedis();
    const projectChangedSince = projectSettingsEpochs(new RevocationEpochs(redis, config));
    const memo = new EpochCheckedMemo<number, number>({ changedSince: (key, readAt) => projectChangedSince(`p${key}`, readAt) });
    const read = counted(() => 0);
    for (let key = 0; key <= 10_000; key += 1) await memo.get(key, read);
    expect(read.calls).toBe(10_001);
    await memo.get(10_000, read);
    await memo.get(1, read);
    expect(read.calls).toBe(10_001);
    await memo.get(0, read);
    expect(read.calls).toBe(10_002);

    now += 59_999;
    await memo.get(0, read);
    expect(read.calls).toBe(10_002);
    now += 1;
    await memo.get(0, read);
    expect(read.calls).toBe(10_003);
  });
});
