import { Injectable } from '@nestjs/common';
import type { GarbageCollectionPayload } from '@wharf/jobs';

/** (being written: the engine lands in this file) */
@Injectable()
export class GarbageCollector {
  async run(_payload: GarbageCollectionPayload): Promise<void> {
    throw new Error('not implemented yet');
  }
}
