/**
 * What every administration page does around a state-changing call: run it, say what happened
 * (the api's Harbor error message when it failed), and refresh the lists it changed. Also a
 * confirm-first button for stops and other actions that cannot be taken back.
 */
import { ActionIcon, Button, Group, Modal, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { errorMessage } from '../../api/client';

/** Runs `action`; notifies success or the api's error; invalidates `refresh` keys. Resolves to whether it succeeded. */
export function useAdminAction() {
  const queryClient = useQueryClient();
  return async (label: { done: string; failed: string }, action: () => Promise<unknown>, refresh: readonly (readonly unknown[])[] = []): Promise<boolean> => {
    try {
      await action();
      notifications.show({ color: 'green', message: label.done });
      await Promise.all(refresh.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      return true;
    } catch (error) {
      notifications.show({ color: 'red', title: label.failed, message: errorMessage(error) });
      return false;
    }
  };
}

interface ConfirmActionProps {
  /** the button's accessible name, e.g. `Stop execution 12` */
  label: string;
  /** the question the dialog asks */
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  icon?: ReactNode;
  /** a labelled button instead of an icon */
  text?: string;
  disabled?: boolean;
  color?: string;
}

/** A button that asks before it acts (stopping a job, revoking a right). */
export function ConfirmAction({ label, question, confirmLabel, onConfirm, icon, text, disabled, color = 'red' }: ConfirmActionProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      close();
    }
  };
  return (
    <>
      {text ? (
        <Button variant="light" color={color} leftSection={icon} onClick={open} disabled={disabled} aria-label={label}>
          {text}
        </Button>
      ) : (
        <Tooltip label={label}>
          <ActionIcon variant="subtle" color={color} aria-label={label} onClick={open} disabled={disabled}>
            {icon}
          </ActionIcon>
        </Tooltip>
      )}
      <Modal opened={opened} onClose={close} title="Please confirm" centered>
        <Text>{question}</Text>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button color={color} loading={busy} onClick={() => void confirm()}>
            {confirmLabel}
          </Button>
        </Group>
      </Modal>
    </>
  );
}

/** An icon button with a tooltip and the same accessible name. */
export function IconAction({ label, onClick, children, disabled, loading, color }: { label: string; onClick: () => void; children: ReactNode; disabled?: boolean; loading?: boolean; color?: string }) {
  return (
    <Tooltip label={label}>
      <ActionIcon variant="subtle" color={color} aria-label={label} onClick={onClick} disabled={disabled} loading={loading}>
        {children}
      </ActionIcon>
    </Tooltip>
  );
}
