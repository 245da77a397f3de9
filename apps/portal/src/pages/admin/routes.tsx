/**
 * Administration pages, mounted by ../../routes.tsx under /admin (system administrators only).
 * Each page is its own lazy chunk; `adminNavigation` is the Administration section of the side menu.
 */
import { lazy } from 'react';
import { Navigate, type RouteObject } from 'react-router';

const AdminOverviewPage = lazy(() => import('./AdminOverviewPage'));

export const adminNavigation: { path: string; label: string }[] = [{ path: 'overview', label: 'Overview' }];

export const adminRoutes: RouteObject[] = [
  { index: true, element: <Navigate to={adminNavigation[0].path} replace /> },
  { path: 'overview', element: <AdminOverviewPage /> },
];
