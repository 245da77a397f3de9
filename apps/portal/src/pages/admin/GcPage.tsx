/**
 * Garbage collection (Harbor's Administration > Clean Up): "GC Now" (optionally deleting untagged
 * artifacts, or a dry run that only counts), the schedule, and the history of runs with their
 * status, polled every two seconds while one runs, what each freed, and its log.
 */
import { Button, Checkbox, Group, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { IconPlayerStop, IconTrash } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, pageOf, unwrap } from '../../api/client';
import { ErrorNotice } from '../../components/ErrorNotice';
import { JobProgress, StatusBadge, isFinalStatus } from '../../components/JobProgress';
import { ServerTable, type Column } from '../../components/ServerTable';
import { formatBytes, formatTime } from '../../format';
import { ConfirmAction, useAdminAction } from './admin-actions';
import type { GcParameters, GcRun, ScheduleAnswer } from './admin-models';
import { LogViewer, textOf } from './LogViewer';
import { ScheduleForm } from './ScheduleForm';

const GC_KEY = ['admin', 'gc'] as const;
const POLL_MS = 2_000;

function parametersOf(run: GcRun): Partial<GcParameters> {
  try {
    return JSON.parse(run.job_parameters) as Partial<GcParameters>;
  } catch {
    return {};
  }
}

/** What a run did, from the counters its task reports as it goes. */
function outcome(run: GcRun): string {
  const p = run.progress;
  if (p.phase === undefined) return run.status_message || '-';
  if (p.dry_run) return `dry run: ${p.candidates ?? 0} blobs (${formatBytes(p.candidate_bytes ?? 0)}) could be freed`;
  const freed = `${p.blobs_deleted ?? 0} blobs and ${p.manifests_deleted ?? 0} manifests deleted, ${formatBytes(p.bytes_freed ?? 0)} freed`;
  return isFinalStatus(run.job_status) ? freed : `${p.phase}: ${freed}`;
}

function GcStatus({ run }: { run: GcRun }) {
  const queryClient = useQueryClient();
  if (isFinalStatus(run.job_status)) return <StatusBadge status={run.job_status} />;
  return (
    <JobProgress
      queryKey={[...GC_KEY, 'run', run.id]}
      fetchState={async () => {
        const current = unwrap<GcRun>(await api.GET('/api/v2.0/system/gc/{gc_id}', { params: { path: { gc_id: run.id } } }));
        // the run ended: its row (what it freed, no Stop button) is refreshed at once, not at the table's next poll
        if (isFinalStatus(current.job_status)) void queryClient.invalidateQueries({ queryKey: [...GC_KEY, 'history'] });
        return { status: current.job_status };
      }}
    />
  );
}

export default function GcPage() {
  const act = useAdminAction();
  const [deleteUntagged, setDeleteUntagged] = useState(false);
  const [workers, setWorkers] = useState<number | string>(1);
  const schedule = useQuery({ queryKey: [...GC_KEY, 'schedule'], queryFn: async () => unwrap<ScheduleAnswer>(await api.GET('/api/v2.0/system/gc/schedule')) });
  const parameters = { delete_untagged: deleteUntagged, workers: Number(workers) || 1 };

  const run = (dryRun: boolean) =>
    act({ done: dryRun ? 'Dry run started' : 'Garbage collection started', failed: 'Could not start garbage collection' }, async () =>
      unwrap(await api.POST('/api/v2.0/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { ...parameters, dry_run: dryRun } } })), [GC_KEY]);

  const columns: Column<GcRun>[] = [
    { header: 'Job ID', cell: (gc) => gc.id },
    { header: 'Trigger Type', cell: (gc) => (gc.job_kind === 'SCHEDULE' ? 'Schedule' : 'Manual') },
    { header: 'Dry Run', cell: (gc) => (parametersOf(gc).dry_run ? 'Yes' : 'No') },
    { header: 'Status', cell: (gc) => <GcStatus run={gc} /> },
    { header: 'Details', cell: (gc) => <Text size="xs">{outcome(gc)}</Text> },
    { header: 'Creation Time', cell: (gc) => formatTime(gc.creation_time) },
    { header: 'Update Time', cell: (gc) => formatTime(gc.update_time) },
    {
      header: 'Logs',
      cell: (gc) => (
        <Group gap={4} wrap="nowrap">
          <LogViewer
            title={`Log of GC run ${gc.id}`}
            queryKey={[...GC_KEY, 'log', gc.id]}
            running={!isFinalStatus(gc.job_status)}
            fetchLog={() => textOf(api.GET('/api/v2.0/system/gc/{gc_id}/log', { params: { path: { gc_id: gc.id } }, parseAs: 'text' }))}
          />
          {!isFinalStatus(gc.job_status) && (
            <ConfirmAction
              label={`Stop GC run ${gc.id}`}
              question={`Stop GC run ${gc.id}? What it deleted so far stays deleted.`}
              confirmLabel="Stop"
              icon={<IconPlayerStop size={16} aria-hidden />}
              onConfirm={() => act({ done: `Stopping GC run ${gc.id}`, failed: 'Could not stop the run' }, async () => unwrap(await api.PUT('/api/v2.0/system/gc/{gc_id}', { params: { path: { gc_id: gc.id } } })), [GC_KEY])}
            />
          )}
        </Group>
      ),
    },
  ];

  return (
    <Stack>
      <Title order={2}>Garbage Collection</Title>
      <Paper withBorder p="md">
        <Stack>
          <Group align="flex-end">
            <Checkbox label="Allow garbage collection on untagged artifacts" checked={deleteUntagged} onChange={(event) => setDeleteUntagged(event.currentTarget.checked)} />
            <NumberInput label="Workers" description="parallel storage deletions (1-5)" min={1} max={5} w={160} value={workers} onChange={setWorkers} />
          </Group>
          <Group>
            <Button leftSection={<IconTrash size={16} aria-hidden />} onClick={() => void run(false)}>
              GC Now
            </Button>
            <Button variant="light" onClick={() => void run(true)}>
              Dry Run
            </Button>
          </Group>
          {schedule.isError && <ErrorNotice error={schedule.error} />}
          <ScheduleForm
            key={schedule.dataUpdatedAt}
            label="GC schedule"
            current={schedule.data?.schedule}
            onSave={(type, cron) =>
              act({ done: 'Saved the GC schedule', failed: 'Could not save the schedule' }, async () => unwrap(await api.PUT('/api/v2.0/system/gc/schedule', { body: { schedule: { type, cron }, parameters } })), [
                GC_KEY,
              ])
            }
          />
        </Stack>
      </Paper>
      <Title order={3}>GC History</Title>
      <ServerTable
        label="GC history"
        queryKey={[...GC_KEY, 'history']}
        columns={columns}
        rowKey={(gc) => gc.id}
        emptyText="Garbage collection has not run yet."
        refetchInterval={(rows) => (rows.some((gc) => !isFinalStatus(gc.job_status)) ? POLL_MS : false)}
        fetchPage={async ({ page, pageSize }) => pageOf<GcRun>(await api.GET('/api/v2.0/system/gc', { params: { query: { page, page_size: pageSize } } }))}
      />
    </Stack>
  );
}
