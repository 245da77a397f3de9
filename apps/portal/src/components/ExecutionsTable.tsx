/**
 * The executions of one policy (a preheat's runs, a webhook's deliveries): ID, status, trigger and
 * times, plus any columns of the policy kind's own, paged by the server and polled while one of
 * the page's executions has not reached a final state.
 */
import { Title } from '@mantine/core';
import { ServerTable, type Column, type PageAnswer, type PageRequest } from './ServerTable';
import { isFinalStatus, StatusBadge } from './JobProgress';
import { formatTime } from '../format';

/** jobs: an execution as every Harbor executions list answers it */
export interface PolicyExecution {
  id: number;
  status: string;
  trigger: string;
  start_time: string;
  end_time: string | null;
}

const RUNNING_POLL_MS = 2_000;

interface ExecutionsTableProps<Row extends PolicyExecution> {
  /** the heading and the table's accessible name, e.g. "Deliveries of my-hook" */
  title: string;
  queryKey: readonly unknown[];
  fetchPage: (request: PageRequest) => Promise<PageAnswer<Row>>;
  emptyText: string;
  /** columns shown between the ID and the status */
  extraColumns?: Column<Row>[];
}

export function ExecutionsTable<Row extends PolicyExecution>({ title, queryKey, fetchPage, emptyText, extraColumns = [] }: ExecutionsTableProps<Row>) {
  const columns: Column<Row>[] = [
    { header: 'ID', cell: (execution) => execution.id },
    ...extraColumns,
    { header: 'Status', cell: (execution) => <StatusBadge status={execution.status} /> },
    { header: 'Trigger', cell: (execution) => execution.trigger },
    { header: 'Start Time', cell: (execution) => formatTime(execution.start_time) },
    { header: 'End Time', cell: (execution) => formatTime(execution.end_time) },
  ];
  return (
    <>
      <Title order={4} mt="lg" mb="xs">
        {title}
      </Title>
      <ServerTable
        label={title}
        queryKey={queryKey}
        columns={columns}
        rowKey={(execution) => execution.id}
        emptyText={emptyText}
        refetchInterval={(rows) => (rows.some((execution) => !isFinalStatus(execution.status)) ? RUNNING_POLL_MS : false)}
        fetchPage={fetchPage}
      />
    </>
  );
}
