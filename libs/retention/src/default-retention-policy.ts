import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { AuditActor } from '@wharf/audit';
import { AppConfig } from '@wharf/config';
import type { SqlExecutor } from '@wharf/db';
import { nextFireTime } from '@wharf/jobs';
import { RetentionPolicies } from './retention-policies';
import { checkPolicy, type RetentionPolicyInput } from './retention-policy';

/**
 * The system's default policy (RETENTION_DEFAULT_POLICY, Harbor's body without `scope`), given
 * to each new project other than proxy-cache ones in the project's create transaction. Checked at
 * boot: a default that does not parse or breaks a rule stops the process.
 */
@Injectable()
export class DefaultRetentionPolicy implements OnModuleInit {
  private body: Omit<RetentionPolicyInput, 'scope'> | null = null;

  constructor(
    config: AppConfig,
    private readonly policies: RetentionPolicies,
  ) {
    if (!config.RETENTION_DEFAULT_POLICY?.trim()) return;
    let parsed: Partial<RetentionPolicyInput>;
    try {
      parsed = JSON.parse(config.RETENTION_DEFAULT_POLICY) as Partial<RetentionPolicyInput>;
    } catch (error) {
      throw new Error(`RETENTION_DEFAULT_POLICY is not JSON: ${(error as Error).message}`);
    }
    this.body = { algorithm: parsed.algorithm ?? 'or', rules: parsed.rules ?? [], trigger: parsed.trigger ?? { kind: 'Schedule', settings: {} } };
  }

  onModuleInit(): void {
    if (!this.body) return;
    checkPolicy({ ...this.body, scope: { level: 'project', ref: 1 } });
    const cron = this.body.trigger.settings?.cron?.trim();
    if (cron) nextFireTime(cron);
  }

  get configured(): boolean {
    return this.body !== null;
  }

  /** Inside the project's create transaction; the schedule follows with `afterCreate` once it committed. */
  async apply(tx: SqlExecutor, projectId: number, actor?: AuditActor): Promise<number | null> {
    if (!this.body) return null;
    const policy = await this.policies.create({ ...this.body, scope: { level: 'project', ref: projectId } }, actor, tx);
    return policy.id;
  }

  async afterCreate(policyId: number | null): Promise<void> {
    if (policyId !== null) await this.policies.syncSchedule(policyId);
  }
}
