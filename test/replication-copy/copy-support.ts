import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@wharf/config';
import { DbModule } from '@wharf/db';
import { EventsModule } from '@wharf/events';
import { QuotaLedgerModule } from '@wharf/projects';
import { RedisModule } from '@wharf/redis';
import { ARTIFACT_COPIER, REMOTE_CATALOG, ReplicationCopyModule, type ArtifactCopier, type CopyContext, type RemoteCatalog, type ReplicationItem } from '@wharf/replication';
import { callApi } from '../support/management-api';
import type { Credentials } from '../support/test-credentials';
import type { TestEnvironment } from '../support/wharf-app';

/**
 * The copy engine in this process, on the test environment's database and storage (the worker's
 * composition, without its job processors): the tests call ArtifactCopier directly, the control
 * side (policies, executions) being another part's.
 */
export interface CopyEngine {
  copier: ArtifactCopier;
  catalog: RemoteCatalog;
  close(): Promise<void>;
}

export async function startCopyEngine(environment: TestEnvironment, extra: Record<string, string> = {}): Promise<CopyEngine> {
  const config = loadConfig({ ...environment.env, ...extra });
  @Module({ imports: [ConfigModule.forRoot(config), DbModule, RedisModule, EventsModule, QuotaLedgerModule, ReplicationCopyModule] })
  class CopyEngineTestModule {}
  const app: INestApplicationContext = await NestFactory.createApplicationContext(CopyEngineTestModule, { logger: ['error'] });
  await app.init();
  return { copier: app.get(ARTIFACT_COPIER), catalog: app.get(REMOTE_CATALOG), close: () => app.close() };
}

/** A CopyContext kept in memory: its log lines, its saved progress, its stop. */
export interface TestCopyContext extends CopyContext {
  lines: string[];
  saved: Record<string, unknown>;
  controller: AbortController;
}

export function copyContext(options: { dryRun?: boolean; progress?: Record<string, unknown>; onSave?: (progress: Record<string, unknown>) => void } = {}): TestCopyContext {
  const controller = new AbortController();
  const context: TestCopyContext = {
    dryRun: options.dryRun ?? false,
    signal: controller.signal,
    controller,
    lines: [],
    saved: options.progress ?? {},
    log: async (line) => {
      context.lines.push(line);
    },
    progress: {
      load: async () => context.saved,
      save: async (progress) => {
        context.saved = progress;
        options.onSave?.(progress);
      },
    },
  };
  return context;
}

/** A registry endpoint saved through the management API; its id. */
export async function createEndpoint(apiUrl: string, name: string, type: string, url: string, credential?: Credentials): Promise<number> {
  const answer = await callApi(apiUrl, 'POST', '/registries', {
    body: { name, type, url, insecure: true, ...(credential ? { credential: { type: 'basic', access_key: credential.username, access_secret: credential.password } } : {}) },
  });
  if (answer.status !== 201) throw new Error(`registry create failed: ${answer.status} ${answer.text}`);
  return Number(answer.headers.get('location')!.split('/').pop());
}

export const local = { kind: 'local' } as const;
export const remote = (registryId: number) => ({ kind: 'remote', registryId }) as const;

/** A copy item with the policy's defaults (no override, monolithic, no speed limit). */
export function copyItem(
  source: ReplicationItem['source'],
  destination: ReplicationItem['destination'],
  options: Partial<Pick<ReplicationItem, 'override' | 'copyByChunk' | 'speedKiBps' | 'operation' | 'tagsOnly'>> = {},
): ReplicationItem {
  return { operation: 'copy', source, destination, override: false, copyByChunk: false, speedKiBps: null, ...options };
}
