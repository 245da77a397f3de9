import type { Credentials } from './test-credentials';

/** A portal session as the browser holds it: its two cookies' values. */
export interface PortalSession {
  sid: string;
  csrf: string;
}

export interface PortalLogin {
  status: number;
  /** the Set-Cookie lines of the answer */
  setCookies: string[];
  body: string;
  /** set when the login succeeded */
  session?: PortalSession;
}

/** POST /c/login with the form the portal sends. */
export async function portalLogin(baseUrl: string, credentials: Credentials, headers: Record<string, string> = {}): Promise<PortalLogin> {
  const response = await fetch(`${baseUrl}/c/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ principal: credentials.username, password: credentials.password }).toString(),
  });
  const setCookies = response.headers.getSetCookie();
  const valueOf = (name: string) => setCookies.find((line) => line.startsWith(`${name}=`))?.split(';')[0].slice(name.length + 1);
  const [sid, csrf] = [valueOf('sid'), valueOf('__csrf')];
  return { status: response.status, setCookies, body: await response.text(), session: response.status === 200 && sid && csrf ? { sid, csrf } : undefined };
}

/** The headers a browser sends with the session: both cookies, and the CSRF token echoed unless told not to. */
export function sessionHeaders(session: PortalSession, options: { csrf?: boolean } = {}): Record<string, string> {
  return { cookie: `sid=${session.sid}; __csrf=${session.csrf}`, ...(options.csrf === false ? {} : { 'x-harbor-csrf-token': session.csrf }) };
}
