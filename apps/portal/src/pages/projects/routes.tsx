/**
 * Project pages under /projects: the list, and one project with a tab per concern (each tab its own
 * lazy chunk). Repository and artifact pages nest under the repositories tab's path.
 */
import { lazy } from 'react';
import { Navigate, type RouteObject } from 'react-router';
import { projectTabs } from './project-tabs';

const ProjectsPage = lazy(() => import('./ProjectsPage'));
const ProjectPage = lazy(() => import('./ProjectPage'));
const RepositoryPage = lazy(() => import('./RepositoryPage'));

export const projectRoutes: RouteObject[] = [
  { index: true, element: <ProjectsPage /> },
  {
    path: ':projectName',
    element: <ProjectPage />,
    children: [
      { index: true, element: <Navigate to="repositories" replace /> },
      ...projectTabs.map((tab) => ({ path: tab.path, element: <tab.Component /> })),
      // repository names contain slashes: the splat holds the whole name (and /artifacts/<reference>)
      { path: 'repositories/*', element: <RepositoryPage /> },
    ],
  },
];
