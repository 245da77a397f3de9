/** Harbor's project roles by id (projectAdmin 1, developer 2, guest 3, maintainer 4, limitedGuest 5). */
export const ROLES = [
  { id: 1, name: 'Project Admin' },
  { id: 4, name: 'Maintainer' },
  { id: 2, name: 'Developer' },
  { id: 3, name: 'Guest' },
  { id: 5, name: 'Limited Guest' },
] as const;

export function roleName(id: number | null | undefined): string {
  return ROLES.find((role) => role.id === id)?.name ?? (id ? `role ${id}` : '-');
}
