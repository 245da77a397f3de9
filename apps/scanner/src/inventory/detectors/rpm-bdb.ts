/**
 * The values of a Berkeley DB hash database, as rpm (before 4.16: RHEL/CentOS 7 and 8, UBI 8,
 * Amazon Linux 2) keeps its `Packages`: one header blob per installed package, keyed by its
 * instance number. Only what reading needs: the metadata page (byte order, page size, last page)
 * and every hash page's key/value pairs, each value inline (`H_KEYDATA`) or on a chain of overflow
 * pages (`H_OFFPAGE`), as go-rpmdb (Trivy's reader) reads them. The file is held whole: a zip
 * and a B-tree need random access alike.
 */
const HASH_MAGIC = 0x061561;
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;

export class BdbError extends Error {}

export function bdbHashValues(db: Buffer): Buffer[] {
  if (db.length < 512) throw new BdbError('not a Berkeley DB file: too short');
  const le = db.readUInt32LE(12) === HASH_MAGIC;
  if (!le && db.readUInt32BE(12) !== HASH_MAGIC) throw new BdbError('not a Berkeley DB hash database');
  const u32 = (at: number) => (le ? db.readUInt32LE(at) : db.readUInt32BE(at));
  const u16 = (at: number) => (le ? db.readUInt16LE(at) : db.readUInt16BE(at));
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new BdbError(`unusable page size ${pageSize}`);
  if (db[24] !== 0) throw new BdbError('encrypted Berkeley DB');
  const lastPage = Math.min(u32(32), Math.floor(db.length / pageSize) - 1);

  const overflow = (first: number, total: number): Buffer | undefined => {
    const parts: Buffer[] = [];
    let length = 0;
    const seen = new Set<number>();
    for (let page = first; page !== 0 && length < total; ) {
      if (page > lastPage || seen.has(page)) return undefined;
      seen.add(page);
      const at = page * pageSize;
      if (db[at + 25] !== P_OVERFLOW) return undefined;
      const used = u16(at + 22);
      parts.push(db.subarray(at + PAGE_HEADER, at + PAGE_HEADER + Math.min(used, pageSize - PAGE_HEADER)));
      length += used;
      page = u32(at + 16);
    }
    return length >= total ? Buffer.concat(parts).subarray(0, total) : undefined;
  };

  const values: Buffer[] = [];
  for (let page = 1; page <= lastPage; page++) {
    const at = page * pageSize;
    const type = db[at + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(at + 20);
    const offsets: number[] = [];
    for (let i = 0; i < entries; i++) offsets.push(u16(at + PAGE_HEADER + 2 * i));
    // items are laid from the end of the page downwards: one item ends where the one before it starts
    for (let i = 1; i < entries; i += 2) {
      const start = offsets[i];
      const end = offsets[i - 1] > start ? offsets[i - 1] : pageSize;
      if (start >= pageSize) continue;
      const item = at + start;
      if (db[item] === H_OFFPAGE) {
        const value = overflow(u32(item + 4), u32(item + 8));
        if (value) values.push(value);
      } else if (db[item] === H_KEYDATA) {
        values.push(db.subarray(item + 1, at + end));
      }
    }
  }
  return values;
}
