/**
 * A repository's artifacts, one server page at a time (a repository of thousands of artifacts costs one
 * page): tags with immutability and signature marks, type, size, push and pull time, labels, the
 * scan severity bar (polled while a scan runs), copy-the-pull-command, and Scan on the selected rows.
 */
import { Anchor, Breadcrumbs, Button, Checkbox, Group, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconShieldSearch } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, errorMessage, pageOf, unwrap } from '../../api/client';
import type { Artifact } from '../../api/models';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { ServerTable, type Column } from '../../components/ServerTable';
import { formatBytes, formatTime, shortDigest } from '../../format';
import { isScanRunning, LabelBadges, PullCommandButton, ScanCell, TagBadges, vulnerabilityOverview } from './artifact-parts';
import { repositoryParam, useProjectName } from './use-project';

const SCAN_POLL_MS = 2_000;

export function artifactListQuery(page: number, pageSize: number, search: string) {
  return {
    page,
    page_size: pageSize,
    q: search ? `tags=~${search}` : undefined,
    with_tag: true,
    with_label: true,
    with_scan_overview: true,
    with_sbom_overview: true,
    with_accessory: true,
    with_immutable_status: true,
  };
}

export function ArtifactList({ repository }: { repository: string }) {
  const projectName = useProjectName();
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const path = { project_name: projectName, repository_name: repositoryParam(projectName, repository) };
  const base = `/projects/${encodeURIComponent(projectName)}/repositories/${repository}`;
  const queryKey = ['projects', projectName, 'repositories', repository, 'artifacts'];

  const scan = async () => {
    for (const digest of selected) {
      try {
        unwrap(await api.POST('/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/scan', { params: { path: { ...path, reference: digest } }, body: {} }));
      } catch (error) {
        notifications.show({ color: 'red', title: `Could not scan ${shortDigest(digest)}`, message: errorMessage(error) });
      }
    }
    notifications.show({ color: 'blue', message: `Scan requested for ${selected.size} artifact${selected.size === 1 ? '' : 's'}` });
    setSelected(new Set());
    await queryClient.invalidateQueries({ queryKey });
  };

  const toggle = (digest: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(digest);
      else next.delete(digest);
      return next;
    });

  const columns: Column<Artifact>[] = [
    {
      header: 'Select',
      hiddenHeader: true,
      cell: (artifact) => <Checkbox aria-label={`Select ${shortDigest(artifact.digest)}`} checked={selected.has(artifact.digest)} onChange={(event) => toggle(artifact.digest, event.currentTarget.checked)} />,
    },
    {
      header: 'Artifact',
      cell: (artifact) => (
        <Group gap={4} wrap="nowrap">
          <Anchor component={Link} to={`${base}/artifacts/${artifact.digest}`} ff="monospace" size="sm">
            {shortDigest(artifact.digest)}
          </Anchor>
          <PullCommandButton artifact={artifact} />
        </Group>
      ),
    },
    {
      header: 'Tags',
      cell: (artifact) => (
        <Group gap={4} wrap="nowrap">
          <TagBadges tags={artifact.tags} />
          {artifact.tags?.[0] && <PullCommandButton artifact={artifact} tag={artifact.tags[0].name} />}
        </Group>
      ),
    },
    {
      header: 'Type',
      cell: (artifact) => (
        <Text size="sm">
          {artifact.type}
          {artifact.references.length > 0 ? ` (${artifact.references.length} platforms)` : ''}
        </Text>
      ),
    },
    { header: 'Size', cell: (artifact) => formatBytes(artifact.size) },
    { header: 'Vulnerabilities', cell: (artifact) => <ScanCell artifact={artifact} /> },
    {
      header: 'SBOM',
      cell: (artifact) =>
        artifact.sbom_overview?.sbom_digest ? (
          <Anchor component={Link} to={`${base}/artifacts/${artifact.digest}?tab=sbom`} size="sm">
            SBOM
          </Anchor>
        ) : (
          <Text size="xs" c="dimmed">
            {artifact.sbom_overview?.scan_status ?? '-'}
          </Text>
        ),
    },
    {
      header: 'Accessories',
      cell: (artifact) =>
        artifact.accessories?.length ? (
          <Tooltip label={artifact.accessories.map((accessory) => accessory.type).join(', ')}>
            <Text size="sm">{artifact.accessories.length}</Text>
          </Tooltip>
        ) : (
          '-'
        ),
    },
    { header: 'Labels', cell: (artifact) => <LabelBadges labels={artifact.labels} /> },
    { header: 'Push Time', cell: (artifact) => formatTime(artifact.push_time) },
    { header: 'Pull Time', cell: (artifact) => formatTime(artifact.pull_time) },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (artifact) => (
        <ConfirmDelete
          subject={`artifact ${shortDigest(artifact.digest)}`}
          onConfirm={async () => {
            unwrap(await api.DELETE('/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}', { params: { path: { ...path, reference: artifact.digest } } }));
            await queryClient.invalidateQueries({ queryKey });
          }}
        />
      ),
    },
  ];

  return (
    <>
      <Breadcrumbs mb="sm" aria-label="Repository">
        <Anchor component={Link} to={`/projects/${encodeURIComponent(projectName)}/repositories`}>
          Repositories
        </Anchor>
        <span>{repository}</span>
      </Breadcrumbs>
      <Title order={3} mb="sm">
        {`${projectName}/${repository}`}
      </Title>
      <ServerTable
        label="Artifacts"
        minWidth={1300}
        queryKey={queryKey}
        searchLabel="Search tags"
        columns={columns}
        rowKey={(artifact) => artifact.id}
        emptyText="No artifacts in this repository."
        toolbar={
          <Button leftSection={<IconShieldSearch size={16} aria-hidden />} disabled={selected.size === 0} onClick={() => void scan()}>
            Scan
          </Button>
        }
        refetchInterval={(rows) => (rows.some((artifact) => isScanRunning(vulnerabilityOverview(artifact))) ? SCAN_POLL_MS : false)}
        fetchPage={async ({ page, pageSize, search }) =>
          pageOf<Artifact>(await api.GET('/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts', { params: { path, query: artifactListQuery(page, pageSize, search) } }))
        }
      />
    </>
  );
}
