import { Center, Loader } from '@mantine/core';
import type { ReactNode } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { loginPathFor } from '../api/client';
import { useCurrentUser } from '../api/session';
import { ErrorNotice } from './ErrorNotice';

/** Renders its children (or the nested route) for a signed-in user; sends anyone else to /login. */
export function RequireSession({ children, sysadmin = false }: { children?: ReactNode; sysadmin?: boolean }) {
  const location = useLocation();
  const user = useCurrentUser();
  if (user.isPending) {
    return (
      <Center h="50vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (user.isError) return <ErrorNotice error={user.error} />;
  if (!user.data) return <Navigate to={loginPathFor(location)} replace />;
  if (sysadmin && !user.data.sysadmin_flag) return <ErrorNotice error={new Error('This page is for system administrators.')} />;
  return children ?? <Outlet />;
}
