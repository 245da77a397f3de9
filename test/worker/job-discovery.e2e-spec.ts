/**
 * Jobs by discovery: the worker finds each job's handler (a provider method marked @OnJob) at
 * boot, and refuses to start when a job has no handler or two.
 */
import { Injectable, type Type } from '@nestjs/common';
import { MetricsModule } from '@wharf/metrics';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '@wharf/config';
import { JobName, JobQueues, OnJob, ScheduleService } from '@wharf/jobs';
import { JobHandlerDiscovery } from '../../apps/worker/src/job-handler-discovery';
import { JobRunner } from '../../apps/worker/src/job-runner';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';

/** A provider class named `className` with one @OnJob method per job of `names`. */
function handlersOf(className: string, names: JobName[]): Type {
  const provider = { [className]: class {} }[className];
  for (const name of names) {
    const method = `handle-${name}`;
    Object.defineProperty(provider.prototype, method, { value: async () => name, configurable: true, writable: true });
    OnJob(name)(provider.prototype, method, Object.getOwnPropertyDescriptor(provider.prototype, method)!);
  }
  return Injectable()(provider) ?? provider;
}

describe('job handlers found by discovery', () => {
  let environment: TestEnvironment;

  beforeAll(async () => {
    environment = await createTestEnvironment();
  });

  afterAll(async () => {
    await environment?.close();
  });

  /**
   * The boot error of a job runner among `processors` (the runner checks its handlers before it
   * consumes any queue), or null. Without the database, Redis and storage modules: a boot that
   * fails cannot be closed (Nest's close awaits the failed init again), so it must hold nothing.
   */
  async function bootError(processors: Type[]): Promise<string | null> {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(environment.config), DiscoveryModule, MetricsModule],
      providers: [JobQueues, { provide: ScheduleService, useValue: {} }, JobHandlerDiscovery, JobRunner, ...processors],
    }).compile();
    try {
      await moduleRef.init();
    } catch (error) {
      return (error as Error).message;
    }
    await moduleRef.close();
    return null;
  }

  it('finds the one handler of every job among the worker\'s providers', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot(environment.config)] }).compile();
    try {
      const found = moduleRef.get(JobHandlerDiscovery).discover();
      expect(Object.fromEntries(found.map((h) => [h.name, h.owner]))).toEqual({
        [JobName.PurgeAbandonedUploads]: 'UploadPurgeProcessor.purge',
        [JobName.ExecutionWatchdog]: 'ExecutionWatchdogProcessor.check',
        [JobName.GarbageCollection]: 'GarbageCollectionProcessor.run',
        [JobName.ScheduledGarbageCollection]: 'GcScheduleProcessor.tick',
        [JobName.RelayEvents]: 'EventRelayProcessor.relay',
        [JobName.WebhookDelivery]: 'WebhookDeliveryProcessor.deliver',
        [JobName.ExpireProxyCache]: 'ProxyCacheRetentionProcessor.expire',
        [JobName.RegistryHealthSweep]: 'RegistryHealthProcessor.sweep',
        [JobName.RegistryHealthCheck]: 'RegistryHealthProcessor.check',
        [JobName.ReplicationExecution]: 'ReplicationProcessor.resolve',
        [JobName.ReplicationTask]: 'ReplicationProcessor.run',
        [JobName.ScheduledReplication]: 'ReplicationProcessor.tick',
        [JobName.PreheatTask]: 'PreheatProcessor.run',
        [JobName.ScheduledPreheat]: 'PreheatProcessor.tick',
        [JobName.RetentionRun]: 'RetentionProcessor.run',
        [JobName.ScheduledRetention]: 'RetentionProcessor.tick',
      });
      expect(found).toHaveLength(Object.values(JobName).length);
      // bound to its provider: the watchdog's handler runs against this worker's database
      const watchdog = found.find((h) => h.name === JobName.ExecutionWatchdog)!;
      await expect(watchdog.handler({}, { attempt: 1, finalAttempt: true })).resolves.toEqual({ stale: 0, lost: 0 });
    } finally {
      await moduleRef.close();
    }
  });

  it('refuses to boot when a job has no handler', async () => {
    const allButHealth = Object.values(JobName).filter((name) => name !== JobName.RegistryHealthSweep && name !== JobName.RegistryHealthCheck);
    expect(await bootError([handlersOf('Processor', allButHealth)])).toBe(`no handler for job(s): ${JobName.RegistryHealthSweep}, ${JobName.RegistryHealthCheck}`);
  });

  it('refuses to boot when a job has two handlers', async () => {
    expect(await bootError([handlersOf('Processor', Object.values(JobName)), handlersOf('SecondExpiry', [JobName.ExpireProxyCache])])).toMatch(
      /^job expire-proxy-cache has two handlers: (Processor|SecondExpiry)\.handle-expire-proxy-cache and (Processor|SecondExpiry)\.handle-expire-proxy-cache$/,
    );
  });
});
