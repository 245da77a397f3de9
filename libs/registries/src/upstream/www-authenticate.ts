/**
 * Parsing of a registry's `WWW-Authenticate` challenge (RFC 7235 auth-params), as the
 * distribution token spec uses it: `Bearer realm="...",service="...",scope="..."` or
 * `Basic realm="..."`. Only the first challenge is used: registries send one.
 */
export interface AuthChallenge {
  /** lower-cased: 'bearer', 'basic', or whatever else the server named */
  scheme: string;
  /** auth-params, keys lower-cased, quoted values unescaped */
  params: Record<string, string>;
}

const SCHEME = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*/;
const PARAM_NAME = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*/;
const TOKEN_VALUE = /^([^\s,"]*)/;

export function parseWwwAuthenticate(header: string | string[] | undefined): AuthChallenge | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const scheme = SCHEME.exec(value);
  if (!scheme) return null;
  const params: Record<string, string> = {};
  let rest = value.slice(scheme[0].length);
  for (;;) {
    rest = rest.replace(/^[\s,]*/, '');
    const name = PARAM_NAME.exec(rest);
    // a second challenge starts with a bare scheme token (no `=`): stop at it
    if (!name) break;
    rest = rest.slice(name[0].length);
    let parsed: string;
    if (rest.startsWith('"')) {
      const quoted = readQuoted(rest);
      parsed = quoted.value;
      rest = rest.slice(quoted.length);
    } else {
      const token = TOKEN_VALUE.exec(rest)!;
      parsed = token[1];
      rest = rest.slice(token[0].length);
    }
    params[name[1].toLowerCase()] = parsed;
  }
  return { scheme: scheme[1].toLowerCase(), params };
}

/** A quoted-string starting at text[0]; an unterminated one runs to the end of the header. */
function readQuoted(text: string): { value: string; length: number } {
  let value = '';
  let index = 1;
  while (index < text.length) {
    const char = text[index];
    if (char === '\\' && index + 1 < text.length) {
      value += text[index + 1];
      index += 2;
    } else if (char === '"') {
      return { value, length: index + 1 };
    } else {
      value += char;
      index += 1;
    }
  }
  return { value, length: index };
}
