import { cleanAuditEntry } from './audit-entry-cleaning';
import type { AuditEntry } from './audit-log.types';

describe('cleanAuditEntry', () => {
  const entry: AuditEntry = { projectId: 7, operation: 'delete', resourceType: 'artifact', resource: 'library/app:v1', username: 'admin' };

  it('cuts values to their column sizes and removes NUL, so one odd entry cannot fail the change it describes', () => {
    const cleaned = cleanAuditEntry({ ...entry, resource: 'r'.repeat(5000), userAgent: `agent\u0000${'a'.repeat(600)}`, clientIp: '10.0.0.1', projectId: null, projectName: 'library' });
    expect(cleaned.resource).toHaveLength(1024);
    expect(cleaned.userAgent).toHaveLength(512);
    expect(cleaned.userAgent).not.toContain('\u0000');
    expect(cleaned).toMatchObject({ clientIp: '10.0.0.1', projectId: null, projectName: 'library' });
  });

  it('counts characters as Postgres does: a cut never splits a character made of two UTF-16 units', () => {
    const cleaned = cleanAuditEntry({ ...entry, resource: '🐳'.repeat(1100) });
    expect(Array.from(cleaned.resource)).toHaveLength(1024);
    expect(cleaned.resource).toBe('🐳'.repeat(1024));
  });

  it('keeps a project name only for an entry without a project id, and stamps the time given', () => {
    const at = new Date('2026-12-06T00:00:00Z');
    expect(cleanAuditEntry({ ...entry, projectName: 'library' }, at)).toMatchObject({ projectId: 7, projectName: null, opTime: at, clientIp: null, userAgent: null });
  });
});
