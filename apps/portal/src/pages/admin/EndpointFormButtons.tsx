/**
 * The buttons under every endpoint form (registry endpoint, preheat instance, scanner): test the
 * connection with what is typed, before anything is saved; cancel; submit.
 */
import { Button, Group } from '@mantine/core';
import { IconPlugConnected } from '@tabler/icons-react';

interface EndpointFormButtonsProps {
  testing: boolean;
  onTest: () => void;
  /** nothing to test yet (no address typed) */
  testDisabled: boolean;
  saving: boolean;
  onCancel: () => void;
  submitLabel?: string;
}

export function EndpointFormButtons({ testing, onTest, testDisabled, saving, onCancel, submitLabel = 'OK' }: EndpointFormButtonsProps) {
  return (
    <Group justify="space-between">
      <Button variant="light" leftSection={<IconPlugConnected size={16} aria-hidden />} loading={testing} onClick={onTest} disabled={testDisabled}>
        Test Connection
      </Button>
      <Group>
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={saving}>
          {submitLabel}
        </Button>
      </Group>
    </Group>
  );
}
