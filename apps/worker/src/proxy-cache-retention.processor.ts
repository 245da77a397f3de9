import { Injectable } from '@nestjs/common';
import { JobName, OnJob } from '@wharf/jobs';
import { ProxyCacheTtl } from '@wharf/retention';

/** The daily expiry of proxy-cached artifacts nobody pulled, run by the retention engine (their blobs go at the next GC). */
@Injectable()
export class ProxyCacheRetentionProcessor {
  constructor(private readonly ttl: ProxyCacheTtl) {}

  @OnJob(JobName.ExpireProxyCache)
  expire(): Promise<unknown> {
    return this.ttl.expire();
  }
}
