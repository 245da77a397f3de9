/** A project's tabs in display order: path under /projects/:projectName, label, lazy page. */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

export interface ProjectTab {
  path: string;
  label: string;
  Component: LazyExoticComponent<ComponentType>;
}

export const projectTabs: ProjectTab[] = [
  { path: 'repositories', label: 'Repositories', Component: lazy(() => import('./tabs/RepositoriesTab')) },
];
