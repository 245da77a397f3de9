/** The system administrator every test environment starts with (ADMIN_PASSWORD). */
export const TEST_ADMIN = { username: 'admin', password: 'Wharf-Test-Admin-1' } as const;

export interface Credentials {
  username: string;
  password: string;
}

export const basicAuth = (c: Credentials): string => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
