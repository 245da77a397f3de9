/** A project's tabs in display order: path under /projects/:projectName, label, lazy page. */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

export interface ProjectTab {
  path: string;
  label: string;
  Component: LazyExoticComponent<ComponentType>;
}

export const projectTabs: ProjectTab[] = [
  { path: 'repositories', label: 'Repositories', Component: lazy(() => import('./tabs/RepositoriesTab')) },
  { path: 'members', label: 'Members', Component: lazy(() => import('./tabs/MembersTab')) },
  { path: 'labels', label: 'Labels', Component: lazy(() => import('./tabs/LabelsTab')) },
  { path: 'scanner', label: 'Scanner', Component: lazy(() => import('./tabs/ScannerTab')) },
  { path: 'preheat', label: 'P2P Preheat', Component: lazy(() => import('./tabs/PreheatTab')) },
  { path: 'retention', label: 'Tag Retention', Component: lazy(() => import('./tabs/RetentionTab')) },
  { path: 'immutability', label: 'Tag Immutability', Component: lazy(() => import('./tabs/ImmutabilityTab')) },
  { path: 'robots', label: 'Robot Accounts', Component: lazy(() => import('./tabs/RobotsTab')) },
  { path: 'webhooks', label: 'Webhooks', Component: lazy(() => import('./tabs/WebhooksTab')) },
  { path: 'logs', label: 'Logs', Component: lazy(() => import('./tabs/LogsTab')) },
  { path: 'configuration', label: 'Configuration', Component: lazy(() => import('./tabs/ConfigurationTab')) },
];
