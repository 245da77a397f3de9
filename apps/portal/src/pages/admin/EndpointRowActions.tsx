/**
 * The actions that end a row of every endpoint list an administrator keeps (registry endpoints,
 * preheat instances, scanners), in one order and with one wording so they read and are tested
 * alike: test the connection, the page's own actions, set as default, enable or disable, edit,
 * delete. Also the list's "New ..." button.
 */
import { Button, Group } from '@mantine/core';
import { IconPencil, IconPlayerPause, IconPlayerPlay, IconPlugConnected, IconPlus, IconStar } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { IconAction } from './admin-actions';

interface EndpointRowActionsProps {
  name: string;
  /** what a row is, as labels name it: `endpoint`, `instance`, `scanner` */
  kind: string;
  testing: boolean;
  onTest: () => void;
  /** for lists with a default: whether this row is it, and how to make it so */
  makeDefault?: { isDefault: boolean; onSet: () => void };
  /** for rows that can be switched off */
  switchable?: { enabled: boolean; onSwitch: () => void };
  onEdit: () => void;
  onDelete: () => Promise<void>;
  /** the page's own actions, shown after the connection test */
  children?: ReactNode;
}

export function EndpointRowActions({ name, kind, testing, onTest, makeDefault, switchable, onEdit, onDelete, children }: EndpointRowActionsProps) {
  return (
    <Group gap={4} wrap="nowrap">
      <IconAction label={`Test connection to ${name}`} loading={testing} onClick={onTest}>
        <IconPlugConnected size={16} aria-hidden />
      </IconAction>
      {children}
      {makeDefault && (
        <IconAction label={`Set ${name} as default`} disabled={makeDefault.isDefault} onClick={makeDefault.onSet}>
          <IconStar size={16} aria-hidden />
        </IconAction>
      )}
      {switchable && (
        <IconAction label={switchable.enabled ? `Disable ${name}` : `Enable ${name}`} onClick={switchable.onSwitch}>
          {switchable.enabled ? <IconPlayerPause size={16} aria-hidden /> : <IconPlayerPlay size={16} aria-hidden />}
        </IconAction>
      )}
      <IconAction label={`Edit ${kind} ${name}`} onClick={onEdit}>
        <IconPencil size={16} aria-hidden />
      </IconAction>
      <ConfirmDelete subject={`${kind} ${name}`} onConfirm={onDelete} />
    </Group>
  );
}

/** The toolbar button that opens a list's creation dialog. */
export function NewButton({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  return (
    <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={onClick}>
      {children}
    </Button>
  );
}
