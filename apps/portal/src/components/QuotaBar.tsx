/** Storage used against a quota ("unlimited" when the hard limit is -1). */
import { Group, Progress, Text } from '@mantine/core';
import { formatBytes } from '../format';

export function QuotaBar({ used, hard }: { used: number; hard: number }) {
  const unlimited = hard < 0;
  const percent = unlimited || hard === 0 ? 0 : Math.min(100, (used / hard) * 100);
  const text = `${formatBytes(used)} of ${unlimited ? 'unlimited' : formatBytes(hard)}`;
  return (
    <Group gap={6} wrap="nowrap">
      <Progress value={percent} w={80} color={percent > 90 ? 'red' : percent > 70 ? 'orange' : 'indigo'} aria-label={`Quota used: ${text}`} />
      <Text size="xs">{text}</Text>
    </Group>
  );
}
