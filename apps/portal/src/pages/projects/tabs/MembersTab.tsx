/** A project's members: add a user with a role, change a member's role, remove a member. */
import { Autocomplete, Button, Group, Modal, Select, Stack } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconUserPlus } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, pageOf, unwrap } from '../../../api/client';
import { ConfirmDelete } from '../../../components/ConfirmDelete';
import { ServerTable, type Column } from '../../../components/ServerTable';
import { ROLES } from '../roles';
import { useProjectName } from '../use-project';

/** projects: MemberResponse */
interface Member {
  id: number;
  project_id: number;
  entity_id: number;
  entity_name: string;
  entity_type: string;
  role_id: number;
  role_name: string;
}

type RoleId = 1 | 2 | 3 | 4 | 5;
const roleOptions = ROLES.map((role) => ({ value: String(role.id), label: role.name }));

function AddMemberModal({ opened, onClose, projectName }: { opened: boolean; onClose: () => void; projectName: string }) {
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<string | null>('2');
  const [busy, setBusy] = useState(false);
  const [search] = useDebouncedValue(username, 250);
  const candidates = useQuery({
    queryKey: ['users', 'search', search],
    enabled: opened && search.length > 0,
    queryFn: async () => unwrap<{ user_id: number; username: string }[]>(await api.GET('/api/v2.0/users/search', { params: { query: { username: search, page_size: 10 } } })),
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      unwrap(
        await api.POST('/api/v2.0/projects/{project_name_or_id}/members', {
          params: { path: { project_name_or_id: projectName } },
          body: { role_id: Number(role) as RoleId, member_user: { username } },
        }),
      );
      notifications.show({ color: 'green', message: `Added ${username}` });
      await queryClient.invalidateQueries({ queryKey: ['projects', projectName, 'members'] });
      setUsername('');
      onClose();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not add the member', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New Member" centered>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <Autocomplete label="Username" required value={username} onChange={setUsername} data={(candidates.data ?? []).map((user) => user.username)} />
          <Select label="Role" required data={roleOptions} value={role} onChange={setRole} allowDeselect={false} />
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

export default function MembersTab() {
  const projectName = useProjectName();
  const queryClient = useQueryClient();
  const [adding, { open, close }] = useDisclosure(false);
  const queryKey = ['projects', projectName, 'members'];
  const path = { project_name_or_id: projectName };

  const changeRole = async (member: Member, roleId: string | null) => {
    if (!roleId) return;
    try {
      unwrap(await api.PUT('/api/v2.0/projects/{project_name_or_id}/members/{mid}', { params: { path: { ...path, mid: member.id } }, body: { role_id: Number(roleId) as RoleId } }));
      notifications.show({ color: 'green', message: `${member.entity_name} is now ${ROLES.find((role) => role.id === Number(roleId))?.name}` });
      await queryClient.invalidateQueries({ queryKey });
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not change the role', message: errorMessage(error) });
    }
  };

  const columns: Column<Member>[] = [
    { header: 'Name', cell: (member) => member.entity_name },
    { header: 'Member Type', cell: (member) => (member.entity_type === 'g' ? 'Group' : 'User') },
    {
      header: 'Role',
      cell: (member) => (
        <Select aria-label={`Role of ${member.entity_name}`} w={170} data={roleOptions} value={String(member.role_id)} allowDeselect={false} onChange={(value) => void changeRole(member, value)} />
      ),
    },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (member) => (
        <ConfirmDelete
          subject={`member ${member.entity_name}`}
          onConfirm={async () => {
            unwrap(await api.DELETE('/api/v2.0/projects/{project_name_or_id}/members/{mid}', { params: { path: { ...path, mid: member.id } } }));
            await queryClient.invalidateQueries({ queryKey });
          }}
        />
      ),
    },
  ];
  return (
    <>
      <ServerTable
        label="Members"
        queryKey={queryKey}
        searchLabel="Search members"
        columns={columns}
        rowKey={(member) => member.id}
        toolbar={
          <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={open}>
            Add Member
          </Button>
        }
        fetchPage={async ({ page, pageSize, search }) =>
          pageOf<Member>(await api.GET('/api/v2.0/projects/{project_name_or_id}/members', { params: { path, query: { page, page_size: pageSize, entityname: search || undefined } } }))
        }
      />
      <AddMemberModal opened={adding} onClose={close} projectName={projectName} />
    </>
  );
}
