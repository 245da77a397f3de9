import { StorageWriteLatency } from './storage-write-latency';

describe('StorageWriteLatency', () => {
  it('answers the median of the small writes of the last 5 s, and null once they have aged out', async () => {
    const latency = new StorageWriteLatency();
    let clock = 0;
    latency.now = () => clock;
    expect(latency.median()).toBeNull();
    for (const ms of [5, 50, 7]) {
      await latency.time(4096, async () => void (clock += ms));
    }
    expect(latency.median()).toBe(7);
    clock += 6000;
    expect(latency.median()).toBeNull();
  });

  it('leaves out writes of unknown or large size, whose time is their bandwidth', async () => {
    const latency = new StorageWriteLatency();
    let clock = 0;
    latency.now = () => clock;
    await latency.time(undefined, async () => void (clock += 100));
    await latency.time(32 * 1024 * 1024, async () => void (clock += 100));
    expect(latency.median()).toBeNull();
  });

  it('does not count a write that failed', async () => {
    const latency = new StorageWriteLatency();
    await expect(latency.time(10, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(latency.median()).toBeNull();
  });
});
