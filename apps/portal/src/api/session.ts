/** Session calls outside /api/v2.0 (Harbor's /c/login and /c/log_out) and the signed-in user. */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { User } from './models';

export async function logIn(principal: string, password: string): Promise<boolean> {
  const response = await fetch('/c/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ principal, password }).toString(),
  });
  if (response.status === 401) return false;
  if (!response.ok) throw new Error(`login failed (HTTP ${response.status})`);
  return true;
}

export async function logOut(): Promise<void> {
  await fetch('/c/log_out', { credentials: 'same-origin' });
}

export const CURRENT_USER_KEY = ['users', 'current'] as const;

/** The signed-in user; `null` when there is no session (the api answers 401). */
export function useCurrentUser() {
  return useQuery({
    queryKey: CURRENT_USER_KEY,
    staleTime: 60_000,
    retry: false,
    queryFn: async (): Promise<User | null> => {
      const result = await api.GET('/api/v2.0/users/current');
      if (result.response.status === 401) return null;
      return unwrap<User>(result);
    },
  });
}
