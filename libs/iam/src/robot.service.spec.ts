import { loadConfig } from '@wharf/config';
import type { SqlClient } from '@wharf/db';
import { PasswordHasher } from './password-hasher';
import type { RevocationEpochs } from './revocation-epochs';
import { RobotService } from './robot.service';

/** A robot row as the authenticate query returns it. */
const row = (hash: string, changes: { disabled?: boolean; expires_at?: Date | null } = {}) => ({
  id: 7,
  name: 'robot$ci',
  description: '',
  level: 'system',
  project_id: null,
  disabled: false,
  duration: -1,
  expires_at: null,
  creator_ref: 'admin',
  creation_time: new Date(),
  update_time: new Date(),
  permissions: [],
  secret_hash: hash,
  ...changes,
});

describe('RobotService.authenticate', () => {
  const hasher = new PasswordHasher(loadConfig({}));
  let stored: string;
  beforeAll(async () => {
    stored = await hasher.hash('Robot-Secret-1');
  });
  afterEach(() => jest.restoreAllMocks());

  const serviceReturning = (rows: object[]) => new RobotService({ query: async () => rows } as unknown as SqlClient, hasher, {} as RevocationEpochs);

  // timing must not tell a real robot from an unknown or unusable one: each costs one hash
  it.each([
    ['an unknown robot', []],
    ['a disabled robot', [{ disabled: true }]],
    ['an expired robot', [{ expires_at: new Date(Date.now() - 1000) }]],
  ])('verifies a secret for %s, then refuses it', async (_case, changes: object[]) => {
    const verify = jest.spyOn(hasher, 'verify');
    const service = serviceReturning(changes.map((c) => row(stored, c)));
    await expect(service.authenticate('robot$ci', 'Robot-Secret-1')).resolves.toBeNull();
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('verifies a real robot once and gives its principal, with its expiry', async () => {
    const verify = jest.spyOn(hasher, 'verify');
    const expires = new Date(Date.now() + 60_000);
    const principal = await serviceReturning([row(stored, { expires_at: expires })]).authenticate('robot$ci', 'Robot-Secret-1');
    expect(principal).toMatchObject({ kind: 'robot', id: 7, name: 'robot$ci', expiresAt: expires.getTime() });
    expect(verify).toHaveBeenCalledTimes(1);
  });
});
