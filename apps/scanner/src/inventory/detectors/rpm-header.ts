/**
 * An RPM header as rpmdb stores it (the `blob` of rpmdb.sqlite's `Packages` table): big-endian
 * index count and data length, that many 16-byte index entries (tag, type, offset, count), then
 * the data store. Only the few tags the inventory needs are read.
 */
export const RPMTAG = { NAME: 1000, VERSION: 1001, RELEASE: 1002, EPOCH: 1003, LICENSE: 1014, ARCH: 1022, SOURCERPM: 1044 } as const;
const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_I18NSTRING = 9;

export interface RpmHeader {
  name?: string;
  version?: string;
  release?: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
}

export function parseRpmHeader(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw new Error('rpm header too short');
  const count = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  const dataStart = 8 + count * 16;
  if (count > 100_000 || dataStart + dataLength > blob.length) throw new Error('rpm header is malformed');
  const header: RpmHeader = {};
  const string = (offset: number): string => {
    const start = dataStart + offset;
    const end = blob.indexOf(0, start);
    return blob.toString('utf8', start, end < 0 || end > dataStart + dataLength ? dataStart + dataLength : end);
  };
  for (let i = 0; i < count; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readUInt32BE(at + 8);
    if (offset >= dataLength) continue;
    const text = type === TYPE_STRING || type === TYPE_I18NSTRING ? () => string(offset) : undefined;
    switch (tag) {
      case RPMTAG.NAME:
        header.name = text?.();
        break;
      case RPMTAG.VERSION:
        header.version = text?.();
        break;
      case RPMTAG.RELEASE:
        header.release = text?.();
        break;
      case RPMTAG.ARCH:
        header.arch = text?.();
        break;
      case RPMTAG.LICENSE:
        header.license = text?.();
        break;
      case RPMTAG.SOURCERPM:
        header.sourceRpm = text?.();
        break;
      case RPMTAG.EPOCH:
        if (type === TYPE_INT32) header.epoch = blob.readUInt32BE(dataStart + offset);
        break;
    }
  }
  return header;
}

/** `openssl-3.0.7-24.el9.src.rpm` → name `openssl`, version `3.0.7-24.el9` */
export function parseSourceRpm(sourceRpm: string): { name: string; version: string } | undefined {
  const match = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(sourceRpm);
  return match ? { name: match[1], version: `${match[2]}-${match[3]}` } : undefined;
}
