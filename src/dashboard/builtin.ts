// The built-in widgets, registered when the dashboard's routes load. Later domains register
// theirs the same way (registerWidget in their routes module).
import { ActivityView, AlertsView, ComplianceView, FleetHealthView, OsView, RecentView, StatusView, TopView } from '../../views/dashboard/widgets'
import { registerWidget } from './registry'
import { loadActivity, loadAlerts, loadCompliance, loadFleetHealth, loadOs, loadRecent, loadStatus, loadTop } from './widgets'

registerWidget({ key: 'fleet-health', title: 'Fleet health', description: 'Devices, share online, full disks and pending reboots', permission: 'devices:read', size: 'full', load: loadFleetHealth, view: FleetHealthView })
registerWidget({ key: 'status', title: 'Online and offline', description: 'Devices by status and the ones offline longest', permission: 'devices:read', size: 'half', load: loadStatus, view: StatusView })
registerWidget({ key: 'alerts', title: 'Open alerts', description: 'Open alerts by severity', permission: 'alerts:read', size: 'half', load: loadAlerts, view: AlertsView })
registerWidget({ key: 'top-resources', title: 'Top resource users', description: 'Online devices highest on CPU, memory and disk', permission: 'devices:read', size: 'full', load: loadTop, view: TopView })
registerWidget({ key: 'compliance', title: 'Policy compliance', description: 'Share of policy checks passing, least compliant policies first', permission: 'policies:read', size: 'half', load: loadCompliance, view: ComplianceView })
registerWidget({ key: 'activity', title: 'Recent activity', description: 'The latest entries of the audit log', permission: 'audit:read', size: 'half', load: loadActivity, view: ActivityView })
registerWidget({ key: 'os', title: 'Operating systems', description: 'Devices by operating system', permission: 'devices:read', size: 'half', load: loadOs, view: OsView })
registerWidget({ key: 'recent-devices', title: 'Recently enrolled', description: 'The newest devices', permission: 'devices:read', size: 'full', load: loadRecent, view: RecentView })
