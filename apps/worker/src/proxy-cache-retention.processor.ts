import { Injectable } from '@nestjs/common';
import { JobName, type JobHandlers } from '@wharf/jobs';
import { ProxyCacheRetention } from '@wharf/proxy-cache';

/** The daily expiry of proxy-cached artifacts nobody pulled (their blobs go at the next GC). */
@Injectable()
export class ProxyCacheRetentionProcessor {
  constructor(private readonly retention: ProxyCacheRetention) {}

  handlers(): JobHandlers {
    return {
      [JobName.ExpireProxyCache]: () => this.retention.expire(),
    };
  }
}
