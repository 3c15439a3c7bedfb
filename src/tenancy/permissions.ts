// Every permission Breeze checks, defined once: `resource:action`. Roles hold lists of these.
// Appliance-wide settings (SMTP, session policy) are not a permission: only platform admins
// (the people who run the appliance) change them.

export const resources = {
  partners: ['read', 'write'],
  orgs: ['read', 'write', 'delete'],
  sites: ['read', 'write', 'delete'],
  users: ['read', 'write', 'delete'],
  roles: ['read', 'write'],
  audit: ['read', 'export'],
  /** power: reboot, shut down, wake; services: start/stop/restart; processes: the live list and kill; eventlogs: read event logs; command: one-off commands. */
  devices: ['read', 'write', 'delete', 'power', 'services', 'processes', 'eventlogs', 'command'],
  enrollment: ['read', 'write'],
  scripts: ['read', 'write', 'delete', 'execute'],
  alerts: ['read', 'write'],
  notifications: ['read', 'write'],
  automations: ['read', 'write', 'execute'],
  policies: ['read', 'write'],
  remote: ['access', 'manage'],
  tickets: ['read', 'write'],
  /** read: see reports, their previews, runs and files; write: create, edit, run and schedule them. */
  reports: ['read', 'write'],
  /** read: updates, scans and patch jobs; approve: approve or decline updates for an org; install: scan devices and run patch jobs. */
  patches: ['read', 'approve', 'install'],
} as const satisfies Record<string, readonly string[]>

export type Resource = keyof typeof resources
export type Permission = { [R in Resource]: `${R}:${(typeof resources)[R][number]}` }[Resource]

export const allPermissions: Permission[] = Object.entries(resources).flatMap(([r, actions]) => actions.map((a) => `${r}:${a}` as Permission))

export function isPermission(value: string): value is Permission {
  return (allPermissions as string[]).includes(value)
}

/** Human labels for the role editor. */
export const resourceLabels: Record<Resource, string> = {
  partners: 'Partner settings',
  orgs: 'Organizations',
  sites: 'Sites',
  users: 'Users',
  roles: 'Roles',
  audit: 'Audit log',
  devices: 'Devices and groups (power: reboot/shut down/wake; services: start/stop; processes: live list and kill; eventlogs: read event logs; command: one-off commands)',
  enrollment: 'Enrollment keys',
  scripts: 'Scripts',
  alerts: 'Alerts and alert rules',
  notifications: 'Notification channels',
  automations: 'Automations',
  policies: 'Policies',
  remote: 'Remote access (terminal, files, desktop; manage: end sessions, set policy)',
  tickets: 'Tickets',
  reports: 'Reports (each report also needs read access to what it covers: devices, alerts, scripts, policies, audit)',
  patches: 'Patches (approve: approve/decline updates; install: scan devices and run patch jobs)',
}

const readOnly = allPermissions.filter((p) => p.endsWith(':read'))
const orgWide = allPermissions.filter((p) => !p.startsWith('partners:'))
/** What technicians do on top of reading: manage devices, run scripts, work alerts and tickets, remote in. */
const technicianWork: Permission[] = [
  'sites:write', 'devices:write', 'devices:power', 'devices:services', 'devices:processes', 'devices:eventlogs', 'devices:command', 'enrollment:write', 'scripts:execute', 'alerts:write', 'automations:execute', 'remote:access', 'tickets:write', 'reports:write', 'patches:install']

export type BuiltinRoleKey = 'partner_admin' | 'partner_technician' | 'partner_viewer' | 'org_admin' | 'org_technician' | 'org_viewer'

/** The six built-in roles of the architecture plan and what each may do. */
export const builtinRoles: Record<BuiltinRoleKey, { name: string; scope: 'partner' | 'organization'; description: string; permissions: Permission[] }> = {
  partner_admin: { name: 'Partner Admin', scope: 'partner', description: 'Full access to the partner and all of its organizations', permissions: allPermissions },
  partner_technician: {
    name: 'Partner Technician', scope: 'partner', description: 'Works on assigned organizations: manages devices and runs scripts',
    permissions: [...readOnly, ...technicianWork],
  },
  partner_viewer: { name: 'Partner Viewer', scope: 'partner', description: 'Read-only access to assigned organizations', permissions: readOnly },
  org_admin: { name: 'Org Admin', scope: 'organization', description: 'Full access within one organization', permissions: orgWide.filter((p) => p !== 'orgs:delete') },
  org_technician: { name: 'Org Technician', scope: 'organization', description: 'Manages devices and runs scripts within one organization', permissions: [...orgWide.filter((p) => p.endsWith(':read')), ...technicianWork] },
  org_viewer: { name: 'Org Viewer', scope: 'organization', description: 'Read-only access within one organization', permissions: orgWide.filter((p) => p.endsWith(':read')) },
}
