/**
 * Interrogation Services (Harbor's name): the scanner registrations (add, test connection, set the
 * default, enable or disable, metadata, delete) and the vulnerability tab: scan all artifacts now,
 * its progress (polled while it runs), stop it, and its schedule.
 */
import { Badge, Button, Group, List, Modal, Paper, Progress, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconInfoCircle, IconPlayerStop, IconScan } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, pageOf, unwrap } from '../../api/client';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PageLoader } from '../../components/PageLoader';
import { ServerTable, type Column } from '../../components/ServerTable';
import { ConfirmAction, IconAction, useAdminAction } from './admin-actions';
import { EndpointRowActions, NewButton } from './EndpointRowActions';
import type { ScanAllMetrics, ScheduleAnswer, Scanner, ScannerMetadata } from './admin-models';
import { HealthBadge } from './HealthBadge';
import { ScannerModal, SCANNERS_KEY } from './ScannerModal';
import { ScheduleForm } from './ScheduleForm';

const SCAN_ALL_KEY = ['admin', 'scan-all'] as const;

function MetadataModal({ scanner, onClose }: { scanner: Scanner | null; onClose: () => void }) {
  const metadata = useQuery({
    queryKey: [...SCANNERS_KEY, 'metadata', scanner?.uuid],
    enabled: scanner !== null,
    queryFn: async () => unwrap<ScannerMetadata>(await api.GET('/api/v2.0/scanners/{registration_id}/metadata', { params: { path: { registration_id: scanner!.uuid } } })),
  });
  return (
    <Modal opened={scanner !== null} onClose={onClose} title={`Scanner ${scanner?.name ?? ''}`} size="lg" centered>
      {metadata.isPending && <PageLoader />}
      {metadata.isError && <ErrorNotice error={metadata.error} title="The adapter did not answer" />}
      {metadata.data && (
        <Stack>
          <Text>{`${metadata.data.scanner.name} ${metadata.data.scanner.version} by ${metadata.data.scanner.vendor}`}</Text>
          <Title order={4}>Capabilities</Title>
          <List size="sm">
            {metadata.data.capabilities.map((capability) => (
              <List.Item key={capability.type}>{`${capability.type}: ${capability.consumes_mime_types.length} artifact types in, ${capability.produces_mime_types.join(', ')} out`}</List.Item>
            ))}
          </List>
          <Title order={4}>Properties</Title>
          <Table aria-label="Scanner properties">
            <Table.Tbody>
              {Object.entries(metadata.data.properties).map(([key, value]) => (
                <Table.Tr key={key}>
                  <Table.Th scope="row">{key}</Table.Th>
                  <Table.Td>{value}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Modal>
  );
}

function ScannersTab() {
  const [modalOpen, { open, close }] = useDisclosure(false);
  const [editing, setEditing] = useState<Scanner | null>(null);
  const [viewing, setViewing] = useState<Scanner | null>(null);
  const [checking, setChecking] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const act = useAdminAction();
  const path = (scanner: Scanner) => ({ params: { path: { registration_id: scanner.uuid } } });

  // the metadata call is the live check of a stored registration (it records the health it saw)
  const testExisting = async (scanner: Scanner) => {
    setChecking(scanner.uuid);
    await act({ done: `Connection to ${scanner.name} tested successfully`, failed: `Connection to ${scanner.name} failed` }, async () => unwrap(await api.GET('/api/v2.0/scanners/{registration_id}/metadata', path(scanner))), [
      SCANNERS_KEY,
    ]);
    setChecking(null);
  };

  const columns: Column<Scanner>[] = [
    {
      header: 'Name',
      cell: (scanner) => (
        <Group gap={6}>
          {scanner.name}
          {scanner.is_default && (
            <Badge size="sm" variant="light" color="indigo">
              Default
            </Badge>
          )}
        </Group>
      ),
    },
    { header: 'Endpoint', cell: (scanner) => scanner.url },
    { header: 'Health', cell: (scanner) => <HealthBadge status={scanner.health} /> },
    {
      header: 'Enabled',
      cell: (scanner) => (
        <Badge variant="light" color={scanner.disabled ? 'gray' : 'green'}>
          {scanner.disabled ? 'Disabled' : 'Enabled'}
        </Badge>
      ),
    },
    { header: 'Authorization', cell: (scanner) => scanner.auth || 'None' },
    { header: 'Adapter', cell: (scanner) => (scanner.adapter ? `${scanner.adapter} ${scanner.version ?? ''} (${scanner.vendor ?? ''})` : '-') },
    { header: 'Description', cell: (scanner) => scanner.description || '-' },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (scanner) => (
        <EndpointRowActions
          name={scanner.name}
          kind="scanner"
          testing={checking === scanner.uuid}
          onTest={() => void testExisting(scanner)}
          makeDefault={{
            isDefault: scanner.is_default,
            onSet: () =>
              void act({ done: `${scanner.name} is the default scanner`, failed: 'Could not set the default scanner' }, async () =>
                unwrap(await api.PATCH('/api/v2.0/scanners/{registration_id}', { ...path(scanner), body: { is_default: true } })), [SCANNERS_KEY]),
          }}
          switchable={{
            enabled: !scanner.disabled,
            onSwitch: () =>
              void act({ done: scanner.disabled ? `Enabled ${scanner.name}` : `Disabled ${scanner.name}`, failed: `Could not change ${scanner.name}` }, async () =>
                unwrap(await api.PUT('/api/v2.0/scanners/{registration_id}', { ...path(scanner), body: { disabled: !scanner.disabled } })), [SCANNERS_KEY]),
          }}
          onEdit={() => {
            setEditing(scanner);
            open();
          }}
          onDelete={async () => {
            unwrap(await api.DELETE('/api/v2.0/scanners/{registration_id}', path(scanner)));
            await queryClient.invalidateQueries({ queryKey: SCANNERS_KEY });
          }}
        >
          <IconAction label={`Show metadata of ${scanner.name}`} onClick={() => setViewing(scanner)}>
            <IconInfoCircle size={16} aria-hidden />
          </IconAction>
        </EndpointRowActions>
      ),
    },
  ];

  return (
    <>
      <ServerTable
        label="Scanners"
        queryKey={[...SCANNERS_KEY, 'list']}
        searchLabel="Search scanners"
        columns={columns}
        rowKey={(scanner) => scanner.uuid}
        toolbar={
          <NewButton
            onClick={() => {
              setEditing(null);
              open();
            }}
          >
            New Scanner
          </NewButton>
        }
        fetchPage={async ({ page, pageSize, search }) =>
          pageOf<Scanner>(await api.GET('/api/v2.0/scanners', { params: { query: { page, page_size: pageSize, q: search ? `name=~${search}` : undefined } } }))
        }
      />
      <ScannerModal editing={editing} opened={modalOpen} onClose={close} />
      <MetadataModal scanner={viewing} onClose={() => setViewing(null)} />
    </>
  );
}

function ScanAllProgress({ metrics }: { metrics: ScanAllMetrics }) {
  const percent = metrics.total ? Math.round((metrics.completed / metrics.total) * 100) : metrics.ongoing ? 0 : 100;
  const counts = Object.entries(metrics.metrics).map(([status, count]) => `${count} ${status}`);
  return (
    <Stack gap={4}>
      <Group gap="xs">
        <Badge variant="light" color={metrics.ongoing ? 'blue' : 'green'}>
          {metrics.ongoing ? 'Running' : metrics.total ? 'Finished' : 'Never run'}
        </Badge>
        <Progress value={percent} w={200} animated={metrics.ongoing} aria-label={`Scan all: ${metrics.completed} of ${metrics.total} artifacts scanned`} />
        <Text size="sm">{`${metrics.completed}/${metrics.total} artifacts`}</Text>
      </Group>
      {counts.length > 0 && (
        <Text size="xs" c="dimmed">
          {counts.join(', ')}
          {metrics.requester ? ` (requested by ${metrics.requester})` : ''}
        </Text>
      )}
    </Stack>
  );
}

function VulnerabilityTab() {
  const act = useAdminAction();
  const metrics = useQuery({
    queryKey: [...SCAN_ALL_KEY, 'metrics'],
    queryFn: async () => unwrap<ScanAllMetrics>(await api.GET('/api/v2.0/scans/all/metrics')),
    refetchInterval: (query) => (query.state.data?.ongoing ? 2_000 : false),
  });
  const schedule = useQuery({ queryKey: [...SCAN_ALL_KEY, 'schedule'], queryFn: async () => unwrap<ScheduleAnswer>(await api.GET('/api/v2.0/system/scanAll/schedule')) });
  const ongoing = metrics.data?.ongoing ?? false;

  return (
    <Stack>
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="sm">
          Scan all artifacts
        </Title>
        {metrics.isError && <ErrorNotice error={metrics.error} />}
        {metrics.data && <ScanAllProgress metrics={metrics.data} />}
        <Group mt="md">
          <Button
            leftSection={<IconScan size={16} aria-hidden />}
            disabled={ongoing}
            onClick={() =>
              void act({ done: 'Scanning all artifacts', failed: 'Could not start scanning' }, async () => unwrap(await api.POST('/api/v2.0/system/scanAll/schedule', { body: { schedule: { type: 'Manual' } } })), [
                SCAN_ALL_KEY,
              ])
            }
          >
            Scan Now
          </Button>
          <ConfirmAction
            label="Stop scanning all artifacts"
            text="Stop"
            question="Stop the scan of all artifacts? Scans already handed to the scanner finish."
            confirmLabel="Stop"
            disabled={!ongoing}
            icon={<IconPlayerStop size={16} aria-hidden />}
            onConfirm={() => act({ done: 'Stopping the scan', failed: 'Could not stop the scan' }, async () => unwrap(await api.POST('/api/v2.0/system/scanAll/stop')), [SCAN_ALL_KEY])}
          />
        </Group>
      </Paper>
      <Paper withBorder p="md">
        {schedule.isError && <ErrorNotice error={schedule.error} />}
        <ScheduleForm
          key={schedule.dataUpdatedAt}
          label="Scan all schedule"
          current={schedule.data?.schedule}
          onSave={(type, cron) =>
            act({ done: 'Saved the scan-all schedule', failed: 'Could not save the schedule' }, async () => unwrap(await api.PUT('/api/v2.0/system/scanAll/schedule', { body: { schedule: { type, cron } } })), [
              SCAN_ALL_KEY,
            ])
          }
        />
      </Paper>
    </Stack>
  );
}

export default function InterrogationServicesPage() {
  return (
    <>
      <Title order={2} mb="md">
        Interrogation Services
      </Title>
      <Tabs defaultValue="scanners" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="scanners">Scanners</Tabs.Tab>
          <Tabs.Tab value="vulnerability">Vulnerability</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="scanners">
          <ScannersTab />
        </Tabs.Panel>
        <Tabs.Panel value="vulnerability">
          <VulnerabilityTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
