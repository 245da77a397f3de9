/**
 * One artifact: tags (copy the pull command, immutability marks), an index's platforms, accessories
 * (signatures, SBOMs), labels, and the additions its type has: vulnerabilities and SBOM (scanned
 * artifacts), build history (images), readme and values (charts), readme and files (models).
 * The vulnerability view polls while a scan runs.
 */
import { Anchor, Badge, Breadcrumbs, Button, Code, Group, Paper, ScrollArea, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconShieldSearch } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, errorMessage, unwrap } from '../../api/client';
import type { Artifact } from '../../api/models';
import { CopyButton } from '../../components/CopyButton';
import { ErrorNotice } from '../../components/ErrorNotice';
import { StatusBadge } from '../../components/JobProgress';
import { PageLoader } from '../../components/PageLoader';
import { formatBytes, formatTime, shortDigest } from '../../format';
import { isScanRunning, LabelBadges, platformText, pullCommand, ScanCell, TagBadges, vulnerabilityOverview } from './artifact-parts';
import { repositoryParam, useProjectName } from './use-project';

const SCAN_POLL_MS = 2_000;
type ArtifactPath = { project_name: string; repository_name: string; reference: string };

interface Vulnerability {
  id: string;
  package: string;
  version: string;
  fix_version?: string;
  severity: string;
  description?: string;
  links?: string[];
}

function VulnerabilitiesPanel({ path, running }: { path: ArtifactPath; running: boolean }) {
  const report = useQuery({
    queryKey: ['vulnerabilities', path],
    queryFn: async () =>
      unwrap<Record<string, { vulnerabilities?: Vulnerability[] }>>(await api.GET('/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions/vulnerabilities', { params: { path } })),
    refetchInterval: running ? SCAN_POLL_MS : false,
  });
  if (report.isPending) return <PageLoader />;
  if (report.isError) return <ErrorNotice error={report.error} />;
  const vulnerabilities = Object.values(report.data).flatMap((entry) => entry.vulnerabilities ?? []);
  if (!vulnerabilities.length) return <Text c="dimmed">{running ? 'Scanning…' : 'No vulnerabilities reported.'}</Text>;
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table striped aria-label="Vulnerabilities">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Vulnerability</Table.Th>
            <Table.Th>Severity</Table.Th>
            <Table.Th>Package</Table.Th>
            <Table.Th>Current version</Table.Th>
            <Table.Th>Fixed in version</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {vulnerabilities.map((vulnerability) => (
            <Table.Tr key={`${vulnerability.id}-${vulnerability.package}-${vulnerability.version}`}>
              <Table.Td>{vulnerability.links?.[0] ? <Anchor href={vulnerability.links[0]} target="_blank" rel="noreferrer">{vulnerability.id}</Anchor> : vulnerability.id}</Table.Td>
              <Table.Td>{vulnerability.severity}</Table.Td>
              <Table.Td>{vulnerability.package}</Table.Td>
              <Table.Td>{vulnerability.version}</Table.Td>
              <Table.Td>{vulnerability.fix_version || '-'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** An addition (build history, readme, values, files) shown as text; JSON is pretty-printed. */
function AdditionPanel({ path, addition }: { path: ArtifactPath; addition: string }) {
  const content = useQuery({
    queryKey: ['addition', path, addition],
    queryFn: async () => {
      const result = await api.GET('/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions/{addition}', {
        params: { path: { ...path, addition } },
        parseAs: 'text',
      });
      const text = unwrap<string>(result);
      try {
        return JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        return text;
      }
    },
  });
  if (content.isPending) return <PageLoader />;
  if (content.isError) return <ErrorNotice error={content.error} title={`No ${addition}`} />;
  return (
    <ScrollArea.Autosize mah={600}>
      <Code block>{content.data}</Code>
    </ScrollArea.Autosize>
  );
}

function additionsOf(type: string): { value: string; label: string }[] {
  if (type === 'IMAGE') return [{ value: 'build_history', label: 'Build History' }];
  if (type === 'CHART') return [
    { value: 'readme.md', label: 'Readme' },
    { value: 'values.yaml', label: 'Values' },
    { value: 'dependencies', label: 'Dependencies' },
  ];
  if (type === 'MODEL') return [
    { value: 'readme', label: 'Readme' },
    { value: 'files', label: 'Files' },
    { value: 'license', label: 'License' },
  ];
  return [];
}

function Overview({ artifact, base }: { artifact: Artifact; base: string }) {
  const host = window.location.host;
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="md">
          <Title order={4} mb="xs">
            Details
          </Title>
          <Table variant="vertical" aria-label="Artifact details">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th>Digest</Table.Th>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Code style={{ wordBreak: 'break-all' }}>{artifact.digest}</Code>
                    <CopyButton value={artifact.digest} label="Copy digest" />
                  </Group>
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Type</Table.Th>
                <Table.Td>{artifact.type}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Media type</Table.Th>
                <Table.Td>{artifact.manifest_media_type}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Size</Table.Th>
                <Table.Td>{formatBytes(artifact.size)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Push time</Table.Th>
                <Table.Td>{formatTime(artifact.push_time)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Pull time</Table.Th>
                <Table.Td>{formatTime(artifact.pull_time)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Labels</Table.Th>
                <Table.Td>
                  <LabelBadges labels={artifact.labels} />
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Vulnerabilities</Table.Th>
                <Table.Td>
                  <ScanCell artifact={artifact} />
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Paper>
        <Paper withBorder p="md">
          <Title order={4} mb="xs">
            Tags
          </Title>
          <Table aria-label="Tags">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Tag</Table.Th>
                <Table.Th>Pull command</Table.Th>
                <Table.Th>Push time</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(artifact.tags ?? []).map((tag) => (
                <Table.Tr key={tag.id}>
                  <Table.Td>
                    <TagBadges tags={[tag]} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Code>{pullCommand(host, artifact, tag.name)}</Code>
                      <CopyButton value={pullCommand(host, artifact, tag.name)} label={`Copy pull command for tag ${tag.name}`} />
                    </Group>
                  </Table.Td>
                  <Table.Td>{formatTime(tag.push_time)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {!artifact.tags?.length && (
            <Text size="sm" c="dimmed">
              No tags.
            </Text>
          )}
        </Paper>
      </SimpleGrid>
      {artifact.references.length > 0 && (
        <Paper withBorder p="md">
          <Title order={4} mb="xs">
            Platforms
          </Title>
          <Table aria-label="Platforms">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Platform</Table.Th>
                <Table.Th>Digest</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {artifact.references.map((reference) => (
                <Table.Tr key={reference.child_digest}>
                  <Table.Td>{platformText(reference.platform)}</Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`${base}/artifacts/${reference.child_digest}`} ff="monospace" size="sm">
                      {shortDigest(reference.child_digest)}
                    </Anchor>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {(artifact.accessories ?? []).length > 0 && (
        <Paper withBorder p="md">
          <Title order={4} mb="xs">
            Accessories
          </Title>
          <Table aria-label="Accessories">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Type</Table.Th>
                <Table.Th>Digest</Table.Th>
                <Table.Th>Size</Table.Th>
                <Table.Th>Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(artifact.accessories ?? []).map((accessory) => (
                <Table.Tr key={accessory.id}>
                  <Table.Td>
                    <Badge variant="light">{accessory.type}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`${base}/artifacts/${accessory.digest}`} ff="monospace" size="sm">
                      {shortDigest(accessory.digest)}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{formatBytes(accessory.size)}</Table.Td>
                  <Table.Td>{formatTime(accessory.creation_time)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {Object.keys(artifact.annotations).length > 0 && (
        <Paper withBorder p="md">
          <Title order={4} mb="xs">
            Annotations
          </Title>
          <Code block>{JSON.stringify(artifact.annotations, null, 2)}</Code>
        </Paper>
      )}
    </Stack>
  );
}

function SbomPanel({ artifact, base }: { artifact: Artifact; base: string }) {
  const sbom = artifact.sbom_overview;
  if (!sbom) return <Text c="dimmed">No SBOM has been generated for this artifact.</Text>;
  return (
    <Stack gap="xs">
      <Group>
        <Text>Status</Text>
        <StatusBadge status={sbom.scan_status} />
      </Group>
      {sbom.sbom_digest && (
        <Group gap={4}>
          <Text>SBOM accessory</Text>
          <Anchor component={Link} to={`${base}/artifacts/${sbom.sbom_digest}`} ff="monospace">
            {shortDigest(sbom.sbom_digest)}
          </Anchor>
          <CopyButton value={sbom.sbom_digest} label="Copy SBOM digest" />
        </Group>
      )}
      <Text size="sm">Generated {formatTime(sbom.end_time)}</Text>
    </Stack>
  );
}

export default function ArtifactPage({ repository, reference }: { repository: string; reference: string }) {
  const projectName = useProjectName();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const path: ArtifactPath = { project_name: projectName, repository_name: repositoryParam(projectName, repository), reference };
  const base = `/projects/${encodeURIComponent(projectName)}/repositories/${repository}`;
  const queryKey = ['projects', projectName, 'repositories', repository, 'artifact', reference];
  const artifact = useQuery({
    queryKey,
    queryFn: async () =>
      unwrap<Artifact>(
        await api.GET('/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}', {
          params: { path, query: { with_tag: true, with_label: true, with_accessory: true, with_scan_overview: true, with_sbom_overview: true, with_immutable_status: true } },
        }),
      ),
    refetchInterval: (query) => (query.state.data && isScanRunning(vulnerabilityOverview(query.state.data)) ? SCAN_POLL_MS : false),
  });
  if (artifact.isPending) return <PageLoader />;
  if (artifact.isError) return <ErrorNotice error={artifact.error} />;
  const running = isScanRunning(vulnerabilityOverview(artifact.data));

  const scan = async () => {
    try {
      unwrap(await api.POST('/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/scan', { params: { path }, body: {} }));
      notifications.show({ color: 'blue', message: 'Scan requested' });
      await queryClient.invalidateQueries({ queryKey });
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not scan', message: errorMessage(error) });
    }
  };

  const tab = params.get('tab') ?? 'overview';
  return (
    <>
      <Breadcrumbs mb="sm" aria-label="Artifact">
        <Anchor component={Link} to={`/projects/${encodeURIComponent(projectName)}/repositories`}>
          Repositories
        </Anchor>
        <Anchor component={Link} to={base}>
          {repository}
        </Anchor>
        <span>{shortDigest(artifact.data.digest)}</span>
      </Breadcrumbs>
      <Group justify="space-between" mb="sm">
        <Title order={3}>{`${projectName}/${repository}@${shortDigest(artifact.data.digest)}`}</Title>
        <Button leftSection={<IconShieldSearch size={16} aria-hidden />} onClick={() => void scan()} loading={running}>
          Scan
        </Button>
      </Group>
      <Tabs value={tab} onChange={(value) => setParams(value && value !== 'overview' ? { tab: value } : {}, { replace: true })} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="vulnerabilities">Vulnerabilities</Tabs.Tab>
          <Tabs.Tab value="sbom">SBOM</Tabs.Tab>
          {additionsOf(artifact.data.type).map((addition) => (
            <Tabs.Tab key={addition.value} value={addition.value}>
              {addition.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="overview">
          <Overview artifact={artifact.data} base={base} />
        </Tabs.Panel>
        <Tabs.Panel value="vulnerabilities">
          <VulnerabilitiesPanel path={path} running={running} />
        </Tabs.Panel>
        <Tabs.Panel value="sbom">
          <SbomPanel artifact={artifact.data} base={base} />
        </Tabs.Panel>
        {additionsOf(artifact.data.type).map((addition) => (
          <Tabs.Panel key={addition.value} value={addition.value}>
            <AdditionPanel path={path} addition={addition.value} />
          </Tabs.Panel>
        ))}
      </Tabs>
    </>
  );
}
