/** A delete button that asks first (a modal naming the thing) and reports the api's answer. */
import { ActionIcon, Button, Group, Modal, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';

interface ConfirmDeleteProps {
  /** what is deleted, e.g. `project "library"` */
  subject: string;
  onConfirm: () => Promise<unknown>;
  /** an icon button (tables) or a labelled button */
  compact?: boolean;
  disabled?: boolean;
}

export function ConfirmDelete({ subject, onConfirm, compact = true, disabled }: ConfirmDeleteProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const [busy, setBusy] = useState(false);
  const label = `Delete ${subject}`;
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
      notifications.show({ color: 'green', message: `Deleted ${subject}` });
      close();
    } catch (error) {
      notifications.show({ color: 'red', title: `Could not delete ${subject}`, message: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {compact ? (
        <Tooltip label={label}>
          <ActionIcon variant="subtle" color="red" aria-label={label} onClick={open} disabled={disabled}>
            <IconTrash size={16} aria-hidden />
          </ActionIcon>
        </Tooltip>
      ) : (
        <Button color="red" variant="light" leftSection={<IconTrash size={16} aria-hidden />} onClick={open} disabled={disabled}>
          Delete
        </Button>
      )}
      <Modal opened={opened} onClose={close} title="Confirm deletion" centered>
        <Text>Delete {subject}? This cannot be undone.</Text>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button color="red" loading={busy} onClick={() => void confirm()}>
            Delete
          </Button>
        </Group>
      </Modal>
    </>
  );
}
