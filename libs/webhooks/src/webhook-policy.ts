import type { EventType } from '@wharf/events';

export type PayloadFormat = 'CloudEvents' | 'Default';

/** Where a policy sends events (Harbor's WebhookTargetObject). */
export interface WebhookTarget {
  type: 'http';
  address: string;
  /** sent as the Authorization header; stored as given, never returned in clear */
  auth_header: string;
  skip_cert_verify: boolean;
  payload_format: PayloadFormat;
}

/** Harbor's WebhookPolicy. */
export interface WebhookPolicy {
  id: number;
  name: string;
  description: string;
  project_id: number;
  targets: WebhookTarget[];
  event_types: EventType[];
  enabled: boolean;
  creator: string;
  creation_time: Date;
  update_time: Date;
}

export interface WebhookPolicyInput {
  name: string;
  description?: string;
  targets: Partial<WebhookTarget>[];
  event_types: EventType[];
  enabled?: boolean;
}

/** What a read shows instead of a target's auth header; sending it back on update keeps the stored one. */
export const MASKED_SECRET = '*****';

/** The policy as the API shows it: auth headers masked, and so is a password in an address saved before addresses were refused one. */
export function maskPolicy(policy: WebhookPolicy): WebhookPolicy {
  return { ...policy, targets: policy.targets.map((t) => ({ ...t, address: addressWithoutSecret(t.address), auth_header: t.auth_header ? MASKED_SECRET : '' })) };
}

/** The address fit for a log line or an answer: any user:password in it masked. */
export function addressWithoutSecret(address: string): string {
  try {
    const url = new URL(address);
    if (!url.username && !url.password) return address;
    url.username = MASKED_SECRET;
    url.password = '';
    return url.toString();
  } catch {
    return address;
  }
}
