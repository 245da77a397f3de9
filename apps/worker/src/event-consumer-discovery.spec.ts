import { EventType, type EventHandler } from '@wharf/events';
import { collectConsumers, type DiscoveredConsumer } from './event-consumer-discovery';

const handler = (): EventHandler => ({ handle: async () => undefined });
const consumer = (name: string, owner: string, instance = handler()): DiscoveredConsumer => ({ name, owner, types: [EventType.PushArtifact], handler: instance });

describe('collectConsumers', () => {
  it('keeps one consumer per name', () => {
    const found = collectConsumers([consumer('webhooks', 'WebhookEventConsumer'), consumer('audit', 'AuditEventConsumer')]);
    expect(found.map((c) => c.name)).toEqual(['webhooks', 'audit']);
  });

  it('refuses two consumers with one name, naming both', () => {
    expect(() => collectConsumers([consumer('audit', 'AuditEventConsumer'), consumer('audit', 'OtherAudit')])).toThrow(
      'event consumer "audit" is declared twice: AuditEventConsumer and OtherAudit',
    );
  });

  it('counts one provider reached through two modules once', () => {
    const shared = handler();
    expect(collectConsumers([consumer('audit', 'AuditEventConsumer', shared), consumer('audit', 'AuditEventConsumer', shared)])).toHaveLength(1);
  });

  it('refuses a name that cannot be a cursor name', () => {
    expect(() => collectConsumers([consumer('Audit Log', 'AuditEventConsumer')])).toThrow(/lower-case/);
  });
});
