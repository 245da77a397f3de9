import { timingSafeEqual } from 'node:crypto';

/** Whether the header carries exactly the session's CSRF token (compared in constant time). */
export function csrfTokenMatches(header: string | string[] | undefined, expected: string): boolean {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
