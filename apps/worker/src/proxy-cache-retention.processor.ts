import { Injectable } from '@nestjs/common';
import { JobName, OnJob } from '@wharf/jobs';
import { ProxyCacheRetention } from '@wharf/proxy-cache';

/** The daily expiry of proxy-cached artifacts nobody pulled (their blobs go at the next GC). */
@Injectable()
export class ProxyCacheRetentionProcessor {
  constructor(private readonly retention: ProxyCacheRetention) {}

  @OnJob(JobName.ExpireProxyCache)
  expire(): Promise<unknown> {
    return this.retention.expire();
  }
}
