/** The scanner a project's artifacts are scanned with: the system default unless the project picks one. */
import { Badge, Button, Group, Paper, Select, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorMessage, unwrap } from '../../../api/client';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { PageLoader } from '../../../components/PageLoader';
import { useProjectName } from '../use-project';

/** scanners: ScannerRegistrationResponse */
interface Scanner {
  uuid: string;
  name: string;
  description: string;
  url: string;
  disabled: boolean;
  is_default: boolean;
  health: string;
}

export default function ScannerTab() {
  const projectName = useProjectName();
  const queryClient = useQueryClient();
  const path = { project_name_or_id: projectName };
  const current = useQuery({
    queryKey: ['projects', projectName, 'scanner'],
    queryFn: async () => unwrap<Scanner | null>(await api.GET('/api/v2.0/projects/{project_name_or_id}/scanner', { params: { path } })),
  });
  const candidates = useQuery({
    queryKey: ['projects', projectName, 'scanner', 'candidates'],
    queryFn: async () => unwrap<Scanner[]>(await api.GET('/api/v2.0/projects/{project_name_or_id}/scanner/candidates', { params: { path, query: { page_size: 100 } } })),
  });
  const [choice, setChoice] = useState<string | null>(null);
  if (current.isPending) return <PageLoader />;
  if (current.isError) return <ErrorNotice error={current.error} />;
  const scanner = current.data;

  const save = async () => {
    if (!choice) return;
    try {
      unwrap(await api.PUT('/api/v2.0/projects/{project_name_or_id}/scanner', { params: { path }, body: { uuid: choice } }));
      notifications.show({ color: 'green', message: 'Scanner changed' });
      await queryClient.invalidateQueries({ queryKey: ['projects', projectName, 'scanner'] });
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not change the scanner', message: errorMessage(error) });
    }
  };

  return (
    <Stack>
      <Paper withBorder p="md" maw={700}>
        {scanner ? (
          <Table variant="vertical" aria-label="Project scanner">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Td>
                  <Group gap="xs">
                    {scanner.name}
                    {scanner.is_default && <Badge variant="light">Default</Badge>}
                  </Group>
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Endpoint</Table.Th>
                <Table.Td>{scanner.url}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Health</Table.Th>
                <Table.Td>{scanner.health}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Description</Table.Th>
                <Table.Td>{scanner.description}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        ) : (
          <Text>No scanner: a system administrator registers one under Administration.</Text>
        )}
      </Paper>
      <Group align="end">
        <Select
          label="Select scanner"
          w={320}
          data={(candidates.data ?? []).map((candidate) => ({ value: candidate.uuid, label: candidate.name, disabled: candidate.disabled }))}
          value={choice ?? scanner?.uuid ?? null}
          onChange={setChoice}
        />
        <Button onClick={() => void save()} disabled={!choice || choice === scanner?.uuid}>
          Save
        </Button>
      </Group>
    </Stack>
  );
}
