/**
 * Every page, code-split: the first load carries the shell and the login page only, each page's
 * script is fetched when it is first visited.
 */
import { lazy, Suspense } from 'react';
import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { Layout } from './components/Layout';
import { PageLoader } from './components/PageLoader';
import { RequireSession } from './components/RequireSession';
import { adminRoutes } from './pages/admin/routes';
import { projectRoutes } from './pages/projects/routes';

const LoginPage = lazy(() => import('./pages/LoginPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

export const routes: RouteObject[] = [
  {
    path: '/login',
    element: (
      <Suspense fallback={<PageLoader />}>
        <LoginPage />
      </Suspense>
    ),
  },
  {
    element: (
      <RequireSession>
        <Layout />
      </RequireSession>
    ),
    children: [
      { index: true, element: <Navigate to="/projects" replace /> },
      { path: 'projects', children: projectRoutes },
      { path: 'admin', element: <RequireSession sysadmin />, children: adminRoutes },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export const router = createBrowserRouter(routes);
