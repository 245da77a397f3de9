/** One request as docker-registry's access log (Apache combined format, on stdout) records it. */
export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  userAgent: string;
}

// 127.0.0.1 - - [28/Nov/2026:11:44:11 +0000] "GET /v2/foo/manifests/x HTTP/1.1" 404 91 "" "curl/7.88.1"
const COMBINED_LINE = /^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) \S+ "[^"]*" "([^"]*)"/;

/** The request of a combined-format line; undefined for anything else the registry printed. */
export function parseAccessLogLine(line: string): AccessLogEntry | undefined {
  const match = COMBINED_LINE.exec(line);
  if (!match) return undefined;
  // the path without its query (upload sessions carry _state=...), for grouping by blob
  return { method: match[1], path: match[2].split('?')[0], status: Number(match[3]), userAgent: match[4] };
}

/** `/v2/<name>/blobs/<digest>` -> the digest; undefined for every other path. */
export function blobDigestOf(path: string): string | undefined {
  return /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1];
}

export const isManifestPath = (path: string): boolean => /^\/v2\/.+\/manifests\/[^/]+$/.test(path);
