import { blobDigestOf, isManifestPath, type AccessLogEntry } from './access-log';

/** What reached the upstream during one phase, grouped the way the goals count it. */
export interface UpstreamRequestCount {
  total: number;
  manifestHeads: number;
  manifestGets: number;
  /** GETs per blob digest */
  blobGets: Record<string, number>;
  /** `METHOD path status` of each request, for the report when a goal fails */
  lines: string[];
}

/** The requests not sent by the bench's own direct pulls (told apart by their User-Agent). */
export function countUpstreamRequests(entries: AccessLogEntry[], benchUserAgent: string): UpstreamRequestCount {
  const fromWharf = entries.filter((e) => e.userAgent !== benchUserAgent);
  const blobGets: Record<string, number> = {};
  for (const entry of fromWharf) {
    const digest = blobDigestOf(entry.path);
    if (digest && entry.method === 'GET') blobGets[digest] = (blobGets[digest] ?? 0) + 1;
  }
  return {
    total: fromWharf.length,
    manifestHeads: fromWharf.filter((e) => e.method === 'HEAD' && isManifestPath(e.path)).length,
    manifestGets: fromWharf.filter((e) => e.method === 'GET' && isManifestPath(e.path)).length,
    blobGets,
    lines: fromWharf.map((e) => `${e.method} ${e.path} ${e.status}`),
  };
}
