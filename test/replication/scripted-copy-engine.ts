import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@wharf/config';
import {
  ARTIFACT_COPIER, REMOTE_CATALOG,
  type ArtifactCopier, type CopyContext, type CopyOutcome, type RemoteArtifact, type RemoteCatalog, type ReplicationItem,
} from '@wharf/replication';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import type { TestEnvironment } from '../support/wharf-app';

/**
 * A stand-in for the copy engine at the contract's edge (ArtifactCopier, RemoteCatalog), for the
 * control side's tests: it moves no byte, records what it was asked, and answers as each test
 * scripts it, so task bookkeeping (logs, progress, stop, retries) is checked without a
 * destination registry. The real engine (replication-copy) is tested against real registries.
 */
export type Behaviour = (item: ReplicationItem, context: CopyContext, loaded: Record<string, unknown>) => Promise<CopyOutcome>;

export interface CopyCall {
  item: ReplicationItem;
  dryRun: boolean;
  loaded: Record<string, unknown>;
}

export class ScriptedCopier implements ArtifactCopier {
  readonly calls: CopyCall[] = [];
  /** by source repository */
  readonly behaviours = new Map<string, Behaviour>();

  async copy(item: ReplicationItem, context: CopyContext): Promise<CopyOutcome> {
    const loaded = await context.progress.load();
    this.calls.push({ item, dryRun: context.dryRun, loaded });
    await context.log(`scripted copier: ${item.operation} ${item.source.repository}@${item.source.digest} -> ${item.destination.repository} [${item.destination.tags.join(',')}]`);
    const behaviour = this.behaviours.get(item.source.repository);
    if (behaviour) return behaviour(item, context, loaded);
    const copy = item.operation === 'copy';
    const action = context.dryRun ? (copy ? 'would-copy' : 'would-delete') : copy ? 'copied' : 'deleted';
    return { action, bytesSent: context.dryRun ? 0 : 100, blobsSent: context.dryRun ? 0 : 3, blobsSkipped: 0, blobsMounted: 0 };
  }
}

export class ScriptedCatalog implements RemoteCatalog {
  /** registry id -> repository -> artifacts */
  readonly content = new Map<number, Map<string, RemoteArtifact[]>>();

  async repositories(registryId: number): Promise<string[]> {
    return [...(this.content.get(registryId)?.keys() ?? [])];
  }

  async artifacts(registryId: number, repository: string): Promise<RemoteArtifact[]> {
    return this.content.get(registryId)?.get(repository) ?? [];
  }
}

/** The worker, in this process, with the scripted engine bound to the contract's tokens. */
export async function startWorkerWithEngine(environment: TestEnvironment, copier: ArtifactCopier, catalog: RemoteCatalog): Promise<INestApplicationContext> {
  const app = await Test.createTestingModule({ imports: [WorkerModule.forRoot(loadConfig(environment.env))] })
    .overrideProvider(ARTIFACT_COPIER)
    .useValue(copier)
    .overrideProvider(REMOTE_CATALOG)
    .useValue(catalog)
    .compile();
  app.useLogger(['error']);
  await app.init();
  return app;
}
