import { type ByteRange, type ChunkRange } from '@wharf/registry-core';
import { OciError } from './oci-error';
import type { FastifyRequest } from 'fastify';

/** Content-Length as a number, or undefined for a chunked body. */
export function contentLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  if (!/^\d+$/.test(header)) throw new OciError('SIZE_INVALID', 'invalid Content-Length');
  return Number(header);
}

/** Upload chunk range: `Content-Range: <start>-<end>` (docker also sends a `bytes ` prefix). */
export function chunkRange(request: FastifyRequest): ChunkRange | undefined {
  const header = request.headers['content-range'];
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match) throw OciError.rangeNotSatisfiable('invalid Content-Range');
  return { start: Number(match[1]), end: Number(match[2]) };
}

export type ReadRange = { range: ByteRange } | { unsatisfiable: true } | undefined;

/** Blob GET `Range: bytes=a-b`, `bytes=a-` or `bytes=-n`; a single range only. */
export function readRange(header: string | undefined, size: number): ReadRange {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { unsatisfiable: true };
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return { unsatisfiable: true };
    start = Math.max(size - suffix, 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return { unsatisfiable: true };
  return { range: { start, end } };
}

export function queryParams(request: FastifyRequest): Record<string, string | undefined> {
  return (request.query ?? {}) as Record<string, string | undefined>;
}

/** `n` of the paginated listings: a non-negative integer. */
export function pageSize(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new OciError('UNSUPPORTED', 'n must be a non-negative integer', { n: value }, 400);
  return Number(value);
}
