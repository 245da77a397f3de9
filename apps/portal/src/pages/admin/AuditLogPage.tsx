/**
 * The audit log (Harbor's Logs): who did what to which resource, newest first, paginated by the
 * server and filtered with Harbor's `q` (username and resource as substrings, operation and
 * resource type exactly, op_time a range of days).
 */
import { Button, Group, Select, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { api, pageOf } from '../../api/client';
import { ServerTable, type Column } from '../../components/ServerTable';
import { formatTime } from '../../format';
import type { AuditLog } from './admin-models';

const OPERATIONS = ['create', 'update', 'delete', 'pull', 'push'];
// what the api records (libs/audit and the management services)
const RESOURCE_TYPES = [
  'project', 'repository', 'artifact', 'tag', 'member', 'robot', 'user', 'configuration', 'cve_allowlist', 'registry', 'replication-policy', 'replication',
  'preheat-instance', 'preheat-policy', 'scanner', 'gc', 'schedule', 'retention',
];

interface Filters {
  username: string;
  resource: string;
  resourceType: string | null;
  operation: string | null;
  from: string;
  to: string;
}

const NONE: Filters = { username: '', resource: '', resourceType: null, operation: null, from: '', to: '' };

/** Harbor's q for the filters; characters that would break its syntax are left out of the free-text terms. */
export function auditQuery(filters: Filters): string | undefined {
  const clean = (value: string) => value.trim().replace(/[,=~[\]{}]/g, '');
  const terms: string[] = [];
  if (clean(filters.username)) terms.push(`username=~${clean(filters.username)}`);
  if (clean(filters.resource)) terms.push(`resource=~${clean(filters.resource)}`);
  if (filters.resourceType) terms.push(`resource_type=${filters.resourceType}`);
  if (filters.operation) terms.push(`operation=${filters.operation}`);
  if (filters.from || filters.to) terms.push(`op_time=[${filters.from}~${filters.to}]`);
  return terms.length ? terms.join(',') : undefined;
}

const columns: Column<AuditLog>[] = [
  { header: 'Username', cell: (entry) => entry.username },
  { header: 'Resource', cell: (entry) => <Text size="sm" style={{ wordBreak: 'break-all' }}>{entry.resource}</Text> },
  { header: 'Resource Type', cell: (entry) => entry.resource_type },
  { header: 'Operation', cell: (entry) => entry.operation },
  { header: 'Timestamp', cell: (entry) => formatTime(entry.op_time) },
  { header: 'Client IP', cell: (entry) => entry.client_ip ?? '-' },
];

export default function AuditLogPage() {
  const [filters, setFilters] = useState<Filters>(NONE);
  const [debounced] = useDebouncedValue(filters, 300);
  const q = auditQuery(debounced);
  const set = <K extends keyof Filters>(name: K, value: Filters[K]) => setFilters((current) => ({ ...current, [name]: value }));

  return (
    <>
      <Title order={2} mb="md">
        Audit Log
      </Title>
      <Group align="flex-end" mb="md" role="search" aria-label="Audit log filters">
        <TextInput label="Username" value={filters.username} onChange={(event) => set('username', event.currentTarget.value)} w={160} />
        <TextInput label="Resource" value={filters.resource} onChange={(event) => set('resource', event.currentTarget.value)} w={200} />
        <Select label="Resource type" placeholder="any" clearable data={RESOURCE_TYPES} value={filters.resourceType} onChange={(value) => set('resourceType', value)} w={160} />
        <Select label="Operation" placeholder="any" clearable data={OPERATIONS} value={filters.operation} onChange={(value) => set('operation', value)} w={130} />
        <TextInput type="date" label="From" value={filters.from} onChange={(event) => set('from', event.currentTarget.value)} w={160} />
        <TextInput type="date" label="To" value={filters.to} onChange={(event) => set('to', event.currentTarget.value)} w={160} />
        <Button variant="default" onClick={() => setFilters(NONE)}>
          Clear filters
        </Button>
      </Group>
      {/* a new filter starts again at page 1 */}
      <ServerTable
        key={q ?? ''}
        label="Audit log"
        queryKey={['admin', 'audit-logs', q]}
        columns={columns}
        rowKey={(entry) => entry.id}
        emptyText="No log entries match."
        fetchPage={async ({ page, pageSize }) => pageOf<AuditLog>(await api.GET('/api/v2.0/audit-logs', { params: { query: { page, page_size: pageSize, q } } }))}
      />
    </>
  );
}
