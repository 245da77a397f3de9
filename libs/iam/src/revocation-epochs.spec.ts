import { loadConfig } from '@wharf/config';
import { fakeEpochRedis as fakeRedis } from './fake-epoch-redis';
import { RevocationEpochs, RevocationStateUnavailable } from './revocation-epochs';


describe('RevocationEpochs', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());
  const config = loadConfig({});

  it('revokes what was checked before the revocation, on another replica once its second of trust is over', async () => {
    const { redis } = fakeRedis();
    const [here, there] = [new RevocationEpochs(redis, config), new RevocationEpochs(redis, config)];
    const checkedAt = now;
    expect(await there.revokedSince('robot$ci', checkedAt)).toBe(false);
    now += 10;
    await here.revoke('robot$ci');
    expect(await here.revokedSince('robot$ci', checkedAt)).toBe(true);
    expect(await here.revokedSince('robot$ci', now)).toBe(false);
    now += 1_000;
    expect(await there.revokedSince('robot$ci', checkedAt)).toBe(true);
    expect(await there.revokedSince('someone-else', checkedAt)).toBe(false);
  });

  it('reads Redis at most once a second per name', async () => {
    const { redis, state } = fakeRedis();
    const epochs = new RevocationEpochs(redis, config);
    for (let i = 0; i < 50; i += 1) await epochs.revokedSince('alice', now);
    expect(state.reads).toBe(1);
  });

  it('trusts the last epoch read for 30 s while Redis is down, then refuses to decide', async () => {
    const { redis, state } = fakeRedis();
    const epochs = new RevocationEpochs(redis, config);
    expect(await epochs.revokedSince('alice', now)).toBe(false);
    state.down = true;
    now += 20_000;
    expect(await epochs.revokedSince('alice', now)).toBe(false);
    now += 15_000;
    await expect(epochs.revokedSince('alice', now)).rejects.toBeInstanceOf(RevocationStateUnavailable);
    await expect(epochs.revokedSince('never-read', now)).rejects.toBeInstanceOf(RevocationStateUnavailable);
  });

  it('fails a change whose revocation cannot be recorded, before making it', async () => {
    const { redis, state } = fakeRedis();
    state.down = true;
    const change = jest.fn(async () => 'changed');
    await expect(new RevocationEpochs(redis, config).revoking('alice', change)).rejects.toThrow('connection lost');
    expect(change).not.toHaveBeenCalled();
  });
});
