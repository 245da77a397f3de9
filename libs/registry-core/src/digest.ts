import { InvalidError } from '@wharf/errors';
import { createHash, type Hash } from 'node:crypto';

export type DigestAlgorithm = 'sha256' | 'sha512';

const DIGEST_PATTERNS: Record<DigestAlgorithm, RegExp> = {
  sha256: /^sha256:[a-f0-9]{64}$/,
  sha512: /^sha512:[a-f0-9]{128}$/,
};
// the spec's general grammar: anything matching it but not a supported algorithm is UNSUPPORTED, not invalid
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
  digest: string;
}

export function isDigest(value: string): boolean {
  return DIGEST_GRAMMAR.test(value);
}

/** Validates a client-supplied digest: invalid for bad syntax, an invalid digest algorithm for unknown ones. */
export function parseDigest(value: string | undefined | null): ParsedDigest {
  if (!value || !DIGEST_GRAMMAR.test(value)) {
    throw new InvalidError('digest', 'provided digest did not match uploaded content', { details: { digest: value ?? null } });
  }
  const algorithm = value.slice(0, value.indexOf(':'));
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new InvalidError('digest-algorithm', `digest algorithm ${algorithm} is not supported`, { details: { digest: value } });
  }
  if (!DIGEST_PATTERNS[algorithm].test(value)) {
    throw new InvalidError('digest', 'invalid digest', { details: { digest: value } });
  }
  return { algorithm, hex: value.slice(algorithm.length + 1), digest: value };
}

export function newHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestOf(bytes: Buffer, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
