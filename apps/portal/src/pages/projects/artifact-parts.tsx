/** Small pieces of the artifact list and the artifact page: tags, scan state, labels, pull command. */
import { Badge, Group, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconLock, IconShieldCheck } from '@tabler/icons-react';
import type { Artifact, Label, ScanOverview, Tag } from '../../api/models';
import { CopyButton } from '../../components/CopyButton';
import { StatusBadge } from '../../components/JobProgress';
import { SeverityBar } from '../../components/SeverityBar';

/** The vulnerability overview among the report types (Wharf keys them by report mime type). */
export function vulnerabilityOverview(artifact: Pick<Artifact, 'scan_overview'>): ScanOverview | undefined {
  const overviews = Object.entries(artifact.scan_overview ?? {});
  return (overviews.find(([mime]) => mime.includes('vuln')) ?? overviews[0])?.[1];
}

export function isScanRunning(overview: ScanOverview | undefined): boolean {
  return overview?.scan_status === 'Pending' || overview?.scan_status === 'Running';
}

export function ScanCell({ artifact }: { artifact: Artifact }) {
  const overview = vulnerabilityOverview(artifact);
  if (!overview) return <Text size="xs" c="dimmed">Not scanned</Text>;
  if (overview.scan_status === 'Success' && overview.summary) return <SeverityBar summary={overview.summary} overall={overview.severity} />;
  if (overview.scan_status === 'Success') return <SeverityBar summary={{ total: 0, summary: {} }} />;
  return (
    <Group gap={4}>
      <StatusBadge status={overview.scan_status} />
      {isScanRunning(overview) && <Text size="xs">{overview.complete_percent ?? 0}%</Text>}
    </Group>
  );
}

export function TagBadges({ tags }: { tags: Tag[] | undefined }) {
  if (!tags?.length) return <Text size="xs" c="dimmed">untagged</Text>;
  return (
    <Group gap={4}>
      {tags.map((tag) => (
        <Badge key={tag.id} variant="outline" color="gray" tt="none" flex="none" miw="max-content" rightSection={tagMarks(tag)}>
          {tag.name}
          {tag.immutable ? <VisuallyHidden> (immutable)</VisuallyHidden> : null}
        </Badge>
      ))}
    </Group>
  );
}

function tagMarks(tag: Tag) {
  if (!tag.immutable && !tag.signed) return undefined;
  return (
    <Group gap={2} wrap="nowrap">
      {tag.immutable && (
        <Tooltip label="Immutable">
          <IconLock size={12} aria-label="immutable" role="img" />
        </Tooltip>
      )}
      {tag.signed && (
        <Tooltip label="Signed">
          <IconShieldCheck size={12} aria-label="signed" role="img" />
        </Tooltip>
      )}
    </Group>
  );
}

export function LabelBadges({ labels }: { labels: Label[] }) {
  return (
    <Group gap={4}>
      {labels.map((label) => (
        <Badge key={label.id} color={label.color || 'gray'} autoContrast tt="none" variant="filled">
          {label.name}
        </Badge>
      ))}
    </Group>
  );
}

/** `docker pull` (or helm/oras for other types) of an artifact, by tag when it has one, else by digest. */
export function pullCommand(host: string, artifact: Pick<Artifact, 'repository_name' | 'digest' | 'type'>, tag?: string): string {
  const reference = tag ? `${host}/${artifact.repository_name}:${tag}` : `${host}/${artifact.repository_name}@${artifact.digest}`;
  switch (artifact.type) {
    case 'CHART':
      return tag ? `helm pull oci://${host}/${artifact.repository_name} --version ${tag}` : `oras pull ${reference}`;
    case 'IMAGE':
      return `docker pull ${reference}`;
    default:
      return `oras pull ${reference}`;
  }
}

export function PullCommandButton({ artifact, tag }: { artifact: Artifact; tag?: string }) {
  const command = pullCommand(window.location.host, artifact, tag);
  return <CopyButton value={command} label={`Copy pull command for ${tag ? `tag ${tag}` : artifact.digest}`} />;
}

export function platformText(platform: { architecture?: string; os?: string; variant?: string } | null): string {
  if (!platform) return 'unknown platform';
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
