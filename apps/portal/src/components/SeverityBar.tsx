/**
 * A scan's findings at a glance: a stacked bar by severity with the counts spelled out beside it
 * (the colours are never the only carrier of the information).
 */
import { Group, Progress, Text, Tooltip } from '@mantine/core';

export const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];
const COLOURS: Record<Severity, string> = { Critical: 'red.9', High: 'red.6', Medium: 'orange.6', Low: 'yellow.5', Unknown: 'gray.5' };

export interface SeveritySummary {
  total: number;
  fixable?: number;
  summary: Partial<Record<Severity, number>>;
}

export function SeverityBar({ summary, overall }: { summary: SeveritySummary; overall?: string }) {
  const counts = SEVERITIES.map((severity) => [severity, summary.summary[severity] ?? 0] as const).filter(([, count]) => count > 0);
  const text = summary.total === 0 ? 'No vulnerabilities' : counts.map(([severity, count]) => `${count} ${severity}`).join(', ');
  return (
    <Tooltip label={`${summary.total} total${summary.fixable !== undefined ? `, ${summary.fixable} fixable` : ''}`}>
      <Group gap={6} wrap="nowrap" aria-label={`Vulnerabilities: ${text}`}>
        <Progress.Root w={90} size="lg" aria-hidden>
          {summary.total === 0 ? (
            <Progress.Section value={100} color="green.6" />
          ) : (
            counts.map(([severity, count]) => <Progress.Section key={severity} value={(count / summary.total) * 100} color={COLOURS[severity]} />)
          )}
        </Progress.Root>
        <Text size="xs">{overall && summary.total > 0 ? `${overall}: ${text}` : text}</Text>
      </Group>
    </Tooltip>
  );
}
