import { Alert } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';

export function ErrorNotice({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  return (
    <Alert color="red" title={title} icon={<IconAlertTriangle aria-hidden />} role="alert" my="md">
      {error instanceof Error ? error.message : String(error)}
    </Alert>
  );
}
