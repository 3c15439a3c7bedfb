// The built-in script gallery. Each entry's content is a real script file in this folder,
// embedded in the binary; they are kept in the database as read-only system scripts
// (src/scripts/system-scripts.ts) and copied into an org or partner to customise.
import type { ScriptLanguage, ScriptOs, ScriptParameter } from '../types'
import anyCertExpiry from './any/cert-expiry.py' with { type: 'text' }
import anyHttpCheck from './any/http-check.py' with { type: 'text' }
import anySystemSummary from './any/system-summary.py' with { type: 'text' }
import linuxCertExpiry from './linux/cert-expiry.sh' with { type: 'text' }
import linuxClearTemp from './linux/clear-temp.sh' with { type: 'text' }
import linuxDiskUsage from './linux/disk-usage.sh' with { type: 'text' }
import linuxFlushDns from './linux/flush-dns.sh' with { type: 'text' }
import linuxJournalErrors from './linux/journal-errors.sh' with { type: 'text' }
import linuxLargeFiles from './linux/large-files.sh' with { type: 'text' }
import linuxNetworkInfo from './linux/network-info.sh' with { type: 'text' }
import linuxPackageCacheCleanup from './linux/package-cache-cleanup.sh' with { type: 'text' }
import linuxPackageUpdates from './linux/package-updates.sh' with { type: 'text' }
import linuxPendingReboot from './linux/pending-reboot.sh' with { type: 'text' }
import linuxRestartService from './linux/restart-service.sh' with { type: 'text' }
import linuxServiceStatus from './linux/service-status.sh' with { type: 'text' }
import linuxTopProcesses from './linux/top-processes.sh' with { type: 'text' }
import linuxUserSessions from './linux/user-sessions.sh' with { type: 'text' }
import macClearCaches from './macos/clear-caches.sh' with { type: 'text' }
import macDiskUsage from './macos/disk-usage.sh' with { type: 'text' }
import macFlushDns from './macos/flush-dns.sh' with { type: 'text' }
import macPendingReboot from './macos/pending-reboot.sh' with { type: 'text' }
import macRestartService from './macos/restart-service.sh' with { type: 'text' }
import macSoftwareUpdates from './macos/software-updates.sh' with { type: 'text' }
import winCertExpiry from './windows/cert-expiry.ps1' with { type: 'text' }
import winDefenderStatus from './windows/defender-status.ps1' with { type: 'text' }
import winDiskCleanup from './windows/disk-cleanup.ps1' with { type: 'text' }
import winEventLogs from './windows/event-logs.ps1' with { type: 'text' }
import winFlushDns from './windows/flush-dns.ps1' with { type: 'text' }
import winInstalledUpdates from './windows/installed-updates.ps1' with { type: 'text' }
import winLargeFiles from './windows/large-files.ps1' with { type: 'text' }
import winNetworkInfo from './windows/network-info.cmd' with { type: 'text' }
import winPendingReboot from './windows/pending-reboot.ps1' with { type: 'text' }
import winRestartService from './windows/restart-service.ps1' with { type: 'text' }
import winServiceStatus from './windows/service-status.ps1' with { type: 'text' }
import winTopProcesses from './windows/top-processes.ps1' with { type: 'text' }

export type Template = {
  key: string
  name: string
  description: string
  category: string
  tags: string[]
  osTypes: ScriptOs[]
  language: ScriptLanguage
  content: string
  parameters: ScriptParameter[]
  timeoutSeconds: number
}

const p = (name: string, type: ScriptParameter['type'], extra: Partial<ScriptParameter> = {}): ScriptParameter => ({ name, type, required: false, ...extra })
const linux = (key: string, name: string, category: string, content: string, description: string, parameters: ScriptParameter[] = [], extra: Partial<Template> = {}): Template =>
  ({ key: `linux/${key}`, name, description, category, tags: ['linux'], osTypes: ['linux'], language: 'bash', content, parameters, timeoutSeconds: 300, ...extra })
const mac = (key: string, name: string, category: string, content: string, description: string, parameters: ScriptParameter[] = [], extra: Partial<Template> = {}): Template =>
  ({ key: `macos/${key}`, name, description, category, tags: ['macos'], osTypes: ['macos'], language: 'bash', content, parameters, timeoutSeconds: 300, ...extra })
const win = (key: string, name: string, category: string, content: string, description: string, parameters: ScriptParameter[] = [], extra: Partial<Template> = {}): Template =>
  ({ key: `windows/${key}`, name, description, category, tags: ['windows'], osTypes: ['windows'], language: 'powershell', content, parameters, timeoutSeconds: 300, ...extra })
const any = (key: string, name: string, category: string, content: string, description: string, parameters: ScriptParameter[] = []): Template =>
  ({ key: `any/${key}`, name, description, category, tags: ['python', 'cross-platform'], osTypes: ['linux', 'macos', 'windows'], language: 'python', content, parameters, timeoutSeconds: 120 })

const serviceName = p('SERVICE_NAME', 'string', { required: true, label: 'Service', description: 'systemd unit name, e.g. nginx' })
const winService = p('ServiceName', 'string', { required: true, label: 'Service', description: 'Service name, e.g. Spooler' })

export const templates: Template[] = [
  linux('disk-usage', 'Disk usage report', 'Monitoring/Disk', linuxDiskUsage, 'Filesystems and the largest directories; exits 1 when a filesystem passes the warning level.', [p('WARN_PERCENT', 'number', { default: 90 }), p('PATH_TO_SCAN', 'string', { default: '/' })]),
  linux('large-files', 'Find large files', 'Maintenance/Disk', linuxLargeFiles, 'The largest files over a size under a folder.', [p('SEARCH_PATH', 'string', { default: '/' }), p('MIN_SIZE_MB', 'number', { default: 100 }), p('LIMIT', 'number', { default: 25 })]),
  linux('clear-temp', 'Clear old temp files', 'Maintenance/Disk', linuxClearTemp, 'Deletes files in /tmp and /var/tmp older than N days; dry run lists them.', [p('OLDER_THAN_DAYS', 'number', { default: 7 }), p('DRY_RUN', 'boolean', { default: false })]),
  linux('package-cache-cleanup', 'Disk cleanup (package caches, journal)', 'Maintenance/Disk', linuxPackageCacheCleanup, 'Cleans package manager caches, removes unused packages and vacuums the journal.', [p('JOURNAL_KEEP_DAYS', 'number', { default: 14 })]),
  linux('restart-service', 'Restart a service', 'Services', linuxRestartService, 'Restarts a systemd service and shows its state.', [serviceName], { timeoutSeconds: 120 }),
  linux('service-status', 'Check a service', 'Services', linuxServiceStatus, 'Exits 0 when the service is active, 3 when not.', [serviceName], { timeoutSeconds: 60 }),
  linux('pending-reboot', 'Check pending reboot', 'Maintenance/Updates', linuxPendingReboot, 'Flag file, needs-restarting or a newer installed kernel; exits 1 when a reboot is pending.', [], { timeoutSeconds: 60 }),
  linux('package-updates', 'List available updates', 'Maintenance/Updates', linuxPackageUpdates, 'Package updates from apt, dnf, yum or zypper.', [], { timeoutSeconds: 600 }),
  linux('flush-dns', 'Flush DNS cache', 'Network', linuxFlushDns, 'systemd-resolved, nscd or dnsmasq, whichever is in use.', [], { timeoutSeconds: 60 }),
  linux('network-info', 'Network information', 'Network', linuxNetworkInfo, 'Addresses, routes, DNS servers and listening ports.', [], { timeoutSeconds: 60 }),
  linux('journal-errors', 'Collect error logs', 'Troubleshooting', linuxJournalErrors, 'Errors from the journal (or syslog) over the last hours, counted by unit.', [p('HOURS', 'number', { default: 24 }), p('MAX_LINES', 'number', { default: 200 })]),
  linux('cert-expiry', 'Check certificate expiry', 'Security', linuxCertExpiry, 'The certificate a server presents; exits 1 when it expires within the warning period.', [p('HOST', 'string', { required: true }), p('PORT', 'number', { default: 443 }), p('WARN_DAYS', 'number', { default: 30 })], { timeoutSeconds: 60 }),
  linux('top-processes', 'Top processes', 'Troubleshooting', linuxTopProcesses, 'Processes using the most CPU and memory.', [p('COUNT', 'number', { default: 10 })], { timeoutSeconds: 60 }),
  linux('user-sessions', 'Logged-in users', 'Security', linuxUserSessions, 'Who is logged in and the most recent logins.', [p('COUNT', 'number', { default: 20 })], { timeoutSeconds: 60 }),
  mac('disk-usage', 'Disk usage report (macOS)', 'Monitoring/Disk', macDiskUsage, 'Volumes and the largest folders under /Users; exits 1 past the warning level.', [p('WARN_PERCENT', 'number', { default: 90 })]),
  mac('clear-caches', 'Clear old user caches (macOS)', 'Maintenance/Disk', macClearCaches, 'Removes cache files older than N days from every Library/Caches.', [p('OLDER_THAN_DAYS', 'number', { default: 14 })]),
  mac('flush-dns', 'Flush DNS cache (macOS)', 'Network', macFlushDns, 'dscacheutil and mDNSResponder.', [], { timeoutSeconds: 60 }),
  mac('software-updates', 'List software updates (macOS)', 'Maintenance/Updates', macSoftwareUpdates, 'softwareupdate --list; exits 1 when a recommended update is available.', [], { timeoutSeconds: 900 }),
  mac('pending-reboot', 'Check pending restart (macOS)', 'Maintenance/Updates', macPendingReboot, 'Exits 1 when updates wait for a restart.', [], { timeoutSeconds: 600 }),
  mac('restart-service', 'Restart a launchd service (macOS)', 'Services', macRestartService, 'launchctl kickstart -k of a system service label.', [p('SERVICE_LABEL', 'string', { required: true })], { timeoutSeconds: 120 }),
  win('disk-cleanup', 'Disk cleanup (Windows)', 'Maintenance/Disk', winDiskCleanup, 'Deletes old temp files from Windows and user temp folders and empties the recycle bin.', [p('OlderThanDays', 'number', { default: 7 }), p('DryRun', 'boolean', { default: false })]),
  win('large-files', 'Find large files (Windows)', 'Maintenance/Disk', winLargeFiles, 'The largest files over a size under a folder.', [p('Path', 'string', { default: 'C:\\' }), p('MinSizeMB', 'number', { default: 100 }), p('Limit', 'number', { default: 25 })], { timeoutSeconds: 900 }),
  win('restart-service', 'Restart a service (Windows)', 'Services', winRestartService, 'Restarts a service and waits until it runs.', [winService], { timeoutSeconds: 120 }),
  win('service-status', 'Check a service (Windows)', 'Services', winServiceStatus, 'Exits 0 when the service runs, 3 when not.', [winService], { timeoutSeconds: 60 }),
  win('pending-reboot', 'Check pending reboot (Windows)', 'Maintenance/Updates', winPendingReboot, 'CBS, Windows Update, pending renames and computer rename; exits 1 when a reboot is pending.', [], { timeoutSeconds: 60 }),
  win('installed-updates', 'Installed updates (Windows)', 'Maintenance/Updates', winInstalledUpdates, 'Hotfixes, newest first.', [p('Count', 'number', { default: 30 })], { timeoutSeconds: 120 }),
  win('flush-dns', 'Flush DNS cache (Windows)', 'Network', winFlushDns, 'Clear-DnsClientCache.', [], { timeoutSeconds: 60 }),
  win('network-info', 'Network information (Windows)', 'Network', winNetworkInfo, 'ipconfig, routes and listening ports (cmd).', [], { language: 'cmd', timeoutSeconds: 60 }),
  win('event-logs', 'Collect event logs (Windows)', 'Troubleshooting', winEventLogs, 'Errors and critical events from System and Application.', [p('Hours', 'number', { default: 24 }), p('MaxEvents', 'number', { default: 200 })]),
  win('defender-status', 'Antivirus status (Windows Defender)', 'Security', winDefenderStatus, 'Exits 1 when real-time protection is off or signatures are stale.', [p('MaxSignatureAgeDays', 'number', { default: 3 })], { timeoutSeconds: 60 }),
  win('cert-expiry', 'Expiring certificates (Windows)', 'Security', winCertExpiry, 'Machine store certificates expiring soon; exits 1 when there are any.', [p('WarnDays', 'number', { default: 30 })], { timeoutSeconds: 60 }),
  win('top-processes', 'Top processes (Windows)', 'Troubleshooting', winTopProcesses, 'Processes using the most CPU time and memory.', [p('Count', 'number', { default: 10 })], { timeoutSeconds: 60 }),
  any('http-check', 'HTTP check', 'Monitoring/Web', anyHttpCheck, 'Fetches a URL; exits 1 on an unexpected status or failure.', [p('URL', 'string', { required: true }), p('EXPECT_STATUS', 'number', { default: 200 }), p('TIMEOUT_SECONDS', 'number', { default: 10 })]),
  any('cert-expiry', 'Certificate expiry (Python)', 'Security', anyCertExpiry, 'Days until a server certificate expires, on any OS with Python 3.', [p('HOST', 'string', { required: true }), p('PORT', 'number', { default: 443 }), p('WARN_DAYS', 'number', { default: 30 })]),
  any('system-summary', 'System summary', 'Troubleshooting', anySystemSummary, 'OS, uptime, CPUs, memory and disk in one screen.'),
]
