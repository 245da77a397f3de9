/** A project's audit log: who did what to which resource, newest first. */
import { api, pageOf } from '../../../api/client';
import { ServerTable, type Column } from '../../../components/ServerTable';
import { formatTime } from '../../../format';
import { useProjectName } from '../use-project';

/** audit-logs: AuditLogResponse */
interface AuditLog {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
}

export default function LogsTab() {
  const projectName = useProjectName();
  const columns: Column<AuditLog>[] = [
    { header: 'Username', cell: (entry) => entry.username },
    { header: 'Resource', cell: (entry) => entry.resource },
    { header: 'Resource Type', cell: (entry) => entry.resource_type },
    { header: 'Operation', cell: (entry) => entry.operation },
    { header: 'Timestamp', cell: (entry) => formatTime(entry.op_time) },
  ];
  return (
    <ServerTable
      label="Project logs"
      queryKey={['projects', projectName, 'logs']}
      searchLabel="Search by resource"
      columns={columns}
      rowKey={(entry) => entry.id}
      pageSizes={[15, 25, 50, 100]}
      fetchPage={async ({ page, pageSize, search }) =>
        pageOf<AuditLog>(
          await api.GET('/api/v2.0/projects/{project_name_or_id}/logs', {
            params: { path: { project_name_or_id: projectName }, query: { page, page_size: pageSize, q: search ? `resource=~${search}` : undefined } },
          }),
        )
      }
    />
  );
}
