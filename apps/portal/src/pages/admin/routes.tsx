/**
 * Administration pages, mounted by ../../routes.tsx under /admin (system administrators only).
 * Each page is its own lazy chunk; `adminNavigation` is the Administration section of the side menu,
 * in Harbor's order.
 */
import { lazy } from 'react';
import { Navigate, type RouteObject } from 'react-router';

const AdminOverviewPage = lazy(() => import('./AdminOverviewPage'));
const UsersPage = lazy(() => import('./UsersPage'));
const RegistriesPage = lazy(() => import('./RegistriesPage'));
const ReplicationPage = lazy(() => import('./ReplicationPage'));
const ReplicationExecutionPage = lazy(() => import('./ReplicationExecutionPage'));
const PreheatInstancesPage = lazy(() => import('./PreheatInstancesPage'));
const InterrogationServicesPage = lazy(() => import('./InterrogationServicesPage'));
const GcPage = lazy(() => import('./GcPage'));
const ConfigurationPage = lazy(() => import('./ConfigurationPage'));
const AuditLogPage = lazy(() => import('./AuditLogPage'));

export const adminNavigation: { path: string; label: string }[] = [
  { path: 'overview', label: 'Overview' },
  { path: 'users', label: 'Users' },
  { path: 'registries', label: 'Registries' },
  { path: 'replications', label: 'Replications' },
  { path: 'p2p-preheat', label: 'P2P Preheat' },
  { path: 'interrogation-services', label: 'Interrogation Services' },
  { path: 'gc', label: 'Garbage Collection' },
  { path: 'configuration', label: 'Configuration' },
  { path: 'audit-log', label: 'Audit Log' },
];

export const adminRoutes: RouteObject[] = [
  { index: true, element: <Navigate to={adminNavigation[0].path} replace /> },
  { path: 'overview', element: <AdminOverviewPage /> },
  { path: 'users', element: <UsersPage /> },
  { path: 'registries', element: <RegistriesPage /> },
  { path: 'replications', element: <ReplicationPage /> },
  { path: 'replications/executions/:executionId', element: <ReplicationExecutionPage /> },
  { path: 'p2p-preheat', element: <PreheatInstancesPage /> },
  { path: 'interrogation-services', element: <InterrogationServicesPage /> },
  { path: 'gc', element: <GcPage /> },
  { path: 'configuration', element: <ConfigurationPage /> },
  { path: 'audit-log', element: <AuditLogPage /> },
];
