/**
 * How many bytes of large read-ahead chunks all blob reads together may hold at once.
 *
 * A pull reads ahead of its socket with a few 1 MiB chunks, which a single large pull needs for
 * its speed; without a shared limit the memory grew with every concurrent pull (50 pulls of an
 * image with 3 parallel layer downloads held about 450 MiB, 150 streams x 3 chunks, and an api
 * with 1,000 pulls in flight would hold 3 GiB). Past the budget a pull gets one small chunk of its
 * own, so it always makes progress, and larger ones again as the budget frees up.
 */
export class ReadAheadBudget {
  private reserved = 0;

  constructor(readonly capacityBytes: number) {}

  /** Takes `bytes` from the budget; false when that would go past it (nothing is taken then). */
  tryReserve(bytes: number): boolean {
    if (this.reserved + bytes > this.capacityBytes) return false;
    this.reserved += bytes;
    return true;
  }

  /** Gives back what `tryReserve` took. */
  release(bytes: number): void {
    this.reserved = Math.max(0, this.reserved - bytes);
  }

  /** Bytes reserved now. */
  get reservedBytes(): number {
    return this.reserved;
  }
}
