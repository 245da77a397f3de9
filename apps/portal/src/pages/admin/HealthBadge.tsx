/** An endpoint's last health check (registries, preheat instances, scanners), the failure reason as a tooltip. */
import { Badge, Tooltip } from '@mantine/core';

export function HealthBadge({ status, message }: { status: string; message?: string }) {
  const colour = /^healthy$/i.test(status) ? 'green' : /^unhealthy$/i.test(status) ? 'red' : 'gray';
  const badge = (
    <Badge variant="light" color={colour}>
      {status}
    </Badge>
  );
  return message ? <Tooltip label={message}>{badge}</Tooltip> : badge;
}
