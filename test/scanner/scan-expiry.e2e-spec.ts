/**
 * The scanner's expiry (the repeating `expire-scans` job runs ScanRepository.expire): scans past
 * their retention go, open scans nobody works on are failed with a reason, the rest stay.
 */
import type { SqlClient } from '@wharf/db';
import { Pool } from 'pg';
import { ScanRepository } from '../../apps/scanner/src/scans/scan.repository';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';

let environment: TestEnvironment;
let pool: Pool;
let scans: ScanRepository;

beforeAll(async () => {
  environment = await createTestEnvironment();
  pool = new Pool({ connectionString: environment.config.DATABASE_URL, max: 2 });
  // the repository needs only query(); the pool answers it as SqlClient does
  scans = new ScanRepository({ query: async (text: string, params?: unknown[]) => (await pool.query(text, params)).rows } as unknown as SqlClient);
});

afterAll(async () => {
  await pool?.end();
  await environment?.close();
});

const request = { registry: { url: 'http://registry' }, artifact: { repository: 'a/b', digest: `sha256:${'a'.repeat(64)}` }, plan: { vulnerability: true, sbomMediaTypes: [] } };

async function insert(id: string, status: string, createdHoursAgo: number, touchedMinutesAgo: number): Promise<void> {
  await pool.query(
    `INSERT INTO scanner_scan (id, request, status, create_time, update_time) VALUES ($1, $2, $3, now() - make_interval(hours => $4), now() - make_interval(mins => $5))`,
    [id, JSON.stringify(request), status, createdHoursAgo, touchedMinutesAgo],
  );
}

it('removes scans past the retention, fails open ones nobody worked on, keeps the rest', async () => {
  const old = '00000000-0000-4000-8000-000000000001';
  const stuck = '00000000-0000-4000-8000-000000000002';
  const running = '00000000-0000-4000-8000-000000000003';
  const finished = '00000000-0000-4000-8000-000000000004';
  await insert(old, 'finished', 30, 30 * 60);
  await insert(stuck, 'running', 2, 45);
  await insert(running, 'running', 1, 1);
  await insert(finished, 'finished', 1, 50);

  expect(await scans.expire(24, 30)).toEqual({ removed: 1, timedOut: 1 });
  expect(await scans.find(old)).toBeNull();
  expect(await scans.find(stuck)).toMatchObject({ status: 'failed', error: expect.stringMatching(/did not finish within 30 minutes/) });
  expect(await scans.find(running)).toMatchObject({ status: 'running' });
  expect(await scans.find(finished)).toMatchObject({ status: 'finished' });

  // a failed scan is over: a late finish from a job that was thought lost changes nothing
  await scans.finish(stuck, null, null);
  expect(await scans.find(stuck)).toMatchObject({ status: 'failed' });
  expect(await scans.start(stuck)).toBeNull();
});
