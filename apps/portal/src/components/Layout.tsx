/** The signed-in frame: header with the user menu, navigation (Administration for system admins), page. */
import { AppShell, Burger, Group, Menu, NavLink, ScrollArea, Text, Title, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconBox, IconChevronDown, IconLogout, IconSettings, IconUser } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { Suspense } from 'react';
import { NavLink as RouterNavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { logOut, useCurrentUser } from '../api/session';
import { adminNavigation } from '../pages/admin/routes';
import { PageLoader } from './PageLoader';

export function Layout() {
  const [navOpen, { toggle }] = useDisclosure();
  const user = useCurrentUser().data;
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const signOut = async () => {
    await logOut();
    queryClient.clear();
    navigate('/login', { replace: true });
  };

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !navOpen } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={navOpen} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <IconBox aria-hidden />
            <Title order={1} size="h3">
              Wharf
            </Title>
          </Group>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <UnstyledButton aria-label={`User menu for ${user?.username ?? ''}`}>
                <Group gap={6}>
                  <IconUser size={18} aria-hidden />
                  <Text size="sm">{user?.username}</Text>
                  <IconChevronDown size={14} aria-hidden />
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{user?.sysadmin_flag ? 'System administrator' : 'User'}</Menu.Label>
              <Menu.Item leftSection={<IconLogout size={16} aria-hidden />} onClick={() => void signOut()}>
                Log out
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <ScrollArea>
          <NavLink component={RouterNavLink} to="/projects" label="Projects" leftSection={<IconBox size={18} aria-hidden />} active={location.pathname.startsWith('/projects')} />
          {user?.sysadmin_flag && (
            <NavLink component="button" label="Administration" leftSection={<IconSettings size={18} aria-hidden />} defaultOpened={location.pathname.startsWith('/admin')} childrenOffset={28}>
              {adminNavigation.map((entry) => (
                <NavLink key={entry.path} component={RouterNavLink} to={`/admin/${entry.path}`} label={entry.label} active={location.pathname.startsWith(`/admin/${entry.path}`)} />
              ))}
            </NavLink>
          )}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
