/**
 * Users (Harbor's Administration > Users): search, create, grant or revoke the system administrator
 * role, reset a password, delete. Wharf's users API has no "disable" (Harbor's database mode has
 * none either), so there is no such action here.
 */
import { Badge, Button, Group, Modal, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconKey, IconPlus, IconShield, IconShieldOff } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, pageOf, unwrap } from '../../api/client';
import type { User } from '../../api/models';
import { useCurrentUser } from '../../api/session';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { ServerTable, type Column } from '../../components/ServerTable';
import { formatTime } from '../../format';
import { ConfirmAction, IconAction, useAdminAction } from './admin-actions';

const USERS_KEY = ['admin', 'users'] as const;
const PASSWORD_RULE = '8-128 characters with an upper-case letter, a lower-case letter and a digit';

function NewUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const act = useAdminAction();
  const [fields, setFields] = useState({ username: '', email: '', realname: '', password: '', confirm: '', comment: '' });
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof fields) => (event: { currentTarget: { value: string } }) => setFields({ ...fields, [name]: event.currentTarget.value });
  const mismatch = fields.confirm !== '' && fields.confirm !== fields.password;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (mismatch) return;
    setBusy(true);
    const { username, email, realname, password, comment } = fields;
    const created = await act(
      { done: `Created user ${username}`, failed: 'Could not create the user' },
      async () => unwrap(await api.POST('/api/v2.0/users', { body: { username, password, email: email || undefined, realname: realname || undefined, comment: comment || undefined } })),
      [USERS_KEY],
    );
    setBusy(false);
    if (created) {
      setFields({ username: '', email: '', realname: '', password: '', confirm: '', comment: '' });
      onClose();
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="New User" centered>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <TextInput label="Username" required value={fields.username} onChange={set('username')} />
          <TextInput label="Email" type="email" value={fields.email} onChange={set('email')} />
          <TextInput label="First and last name" value={fields.realname} onChange={set('realname')} />
          <PasswordInput label="Password" required description={PASSWORD_RULE} value={fields.password} onChange={set('password')} />
          <PasswordInput label="Confirm Password" required value={fields.confirm} onChange={set('confirm')} error={mismatch ? 'the passwords differ' : undefined} />
          <TextInput label="Comments" value={fields.comment} onChange={set('comment')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              OK
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ResetPasswordModal({ user, onClose }: { user: User | null; onClose: () => void }) {
  const act = useAdminAction();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const mismatch = confirm !== '' && confirm !== password;
  const close = () => {
    setPassword('');
    setConfirm('');
    onClose();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!user || mismatch) return;
    setBusy(true);
    const done = await act({ done: `Password of ${user.username} reset`, failed: 'Could not reset the password' }, async () =>
      unwrap(await api.PUT('/api/v2.0/users/{user_id}/password', { params: { path: { user_id: user.user_id } }, body: { new_password: password } })),
    );
    setBusy(false);
    if (done) close();
  };
  return (
    <Modal opened={user !== null} onClose={close} title={`Reset the password of ${user?.username ?? ''}`} centered>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <PasswordInput label="New Password" required description={PASSWORD_RULE} value={password} onChange={(event) => setPassword(event.currentTarget.value)} />
          <PasswordInput label="Confirm Password" required value={confirm} onChange={(event) => setConfirm(event.currentTarget.value)} error={mismatch ? 'the passwords differ' : undefined} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              OK
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export default function UsersPage() {
  const [creating, { open, close }] = useDisclosure(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const me = useCurrentUser().data;
  const act = useAdminAction();
  const queryClient = useQueryClient();

  const setAdmin = (user: User, sysadmin: boolean) =>
    act(
      { done: sysadmin ? `${user.username} is now a system administrator` : `${user.username} is no longer a system administrator`, failed: 'Could not change the role' },
      async () => unwrap(await api.PUT('/api/v2.0/users/{user_id}/sysadmin', { params: { path: { user_id: user.user_id } }, body: { sysadmin_flag: sysadmin } })),
      [USERS_KEY],
    );

  const columns: Column<User>[] = [
    { header: 'Name', cell: (user) => user.username },
    {
      header: 'Administrator',
      cell: (user) => (
        <Badge variant="light" color={user.sysadmin_flag ? 'indigo' : 'gray'}>
          {user.sysadmin_flag ? 'Yes' : 'No'}
        </Badge>
      ),
    },
    { header: 'Email', cell: (user) => user.email || '-' },
    { header: 'Real name', cell: (user) => user.realname || '-' },
    { header: 'Registration time', cell: (user) => formatTime(user.creation_time) },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (user) => {
        const self = user.user_id === me?.user_id;
        return (
          <Group gap={4} wrap="nowrap">
            {user.sysadmin_flag ? (
              <ConfirmAction
                label={`Revoke administrator from ${user.username}`}
                question={`Revoke the system administrator role from ${user.username}?`}
                confirmLabel="Revoke"
                icon={<IconShieldOff size={16} aria-hidden />}
                disabled={self}
                onConfirm={() => setAdmin(user, false)}
              />
            ) : (
              <IconAction label={`Set ${user.username} as administrator`} onClick={() => void setAdmin(user, true)}>
                <IconShield size={16} aria-hidden />
              </IconAction>
            )}
            <IconAction label={`Reset password of ${user.username}`} onClick={() => setResetting(user)}>
              <IconKey size={16} aria-hidden />
            </IconAction>
            <ConfirmDelete
              subject={`user ${user.username}`}
              disabled={self}
              onConfirm={async () => {
                unwrap(await api.DELETE('/api/v2.0/users/{user_id}', { params: { path: { user_id: user.user_id } } }));
                await queryClient.invalidateQueries({ queryKey: USERS_KEY });
              }}
            />
          </Group>
        );
      },
    },
  ];

  return (
    <>
      <Title order={2} mb="md">
        Users
      </Title>
      <ServerTable
        label="Users"
        queryKey={[...USERS_KEY, 'list']}
        searchLabel="Search users"
        columns={columns}
        rowKey={(user) => user.user_id}
        toolbar={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
            New User
          </Button>
        }
        fetchPage={async ({ page, pageSize, search }) => pageOf<User>(await api.GET('/api/v2.0/users', { params: { query: { page, page_size: pageSize, username: search || undefined, sort: 'username' } } }))}
      />
      <NewUserModal opened={creating} onClose={close} />
      <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} />
    </>
  );
}
