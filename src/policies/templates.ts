// Built-in policy templates: real desired-state rules and settings an MSP starts from. A rule
// may name a built-in remediation script by its template key (src/scripts/templates), which is
// resolved to that script when a policy is made from the template.
import type { EnforcementMode, PolicyRule, PolicyType, SettingValue } from './types'

export type TemplateRule = Omit<PolicyRule, 'remediationScriptId'> & { remediationScript?: string }

export type PolicyTemplate = {
  key: string
  name: string
  description: string
  type: PolicyType
  category: string
  enforcement: EnforcementMode
  checkIntervalMinutes: number
  values: Record<string, SettingValue>
  rules: TemplateRule[]
}

const win = ['windows' as const]
const linux = ['linux' as const]
const mac = ['macos' as const]

const restartLinux = (id: string, name: string, label?: string): TemplateRule => ({ id, kind: 'service_running', os: linux, name, ...(label ? { label } : {}), remediationScript: 'linux/restart-service', remediationParameters: { SERVICE_NAME: name } })
const restartWin = (id: string, name: string, label?: string): TemplateRule => ({ id, kind: 'service_running', os: win, name, ...(label ? { label } : {}), remediationScript: 'windows/restart-service', remediationParameters: { ServiceName: name } })

export const policyTemplates: PolicyTemplate[] = [
  {
    key: 'workstation-baseline', name: 'Workstation baseline', type: 'security', category: 'Baselines', enforcement: 'warn', checkIntervalMinutes: 60,
    description: 'Firewall and disk encryption on, Defender running on Windows, the agent reporting every 5 minutes or faster, no consumer remote-control tools.',
    values: { 'security.screenLockMinutes': 15 },
    rules: [
      { id: 'firewall', kind: 'firewall' },
      { id: 'encryption', kind: 'disk_encryption' },
      restartWin('defender', 'WinDefend', 'Microsoft Defender Antivirus running'),
      { id: 'heartbeat', kind: 'agent_config', setting: 'heartbeatSeconds', op: '<=', expected: '300' },
      { id: 'no-teamviewer', kind: 'software_absent', name: 'TeamViewer' },
      { id: 'no-anydesk', kind: 'software_absent', name: 'AnyDesk' },
    ],
  },
  {
    key: 'server-baseline', name: 'Server baseline', type: 'security', category: 'Baselines', enforcement: 'enforce', checkIntervalMinutes: 30,
    description: 'Firewall on, time sync and SSH (Linux) or Windows Time running, metrics collection on and a one-minute heartbeat.',
    values: { 'monitoring.heartbeatSeconds': 60 },
    rules: [
      { id: 'firewall', kind: 'firewall' },
      restartLinux('sshd', 'ssh', 'SSH server running'),
      restartLinux('timesync', 'systemd-timesyncd', 'Time sync running'),
      restartWin('w32time', 'W32Time', 'Windows Time running'),
      { id: 'metrics', kind: 'agent_config', setting: 'metricsCollection', op: '=', expected: 'true' },
      { id: 'heartbeat', kind: 'agent_config', setting: 'heartbeatSeconds', op: '<=', expected: '60' },
    ],
  },
  {
    key: 'linux-security-baseline', name: 'Linux security baseline', type: 'security', category: 'Baselines', enforcement: 'warn', checkIntervalMinutes: 60,
    description: 'Firewall on, unattended security updates installed, legacy cleartext services (telnet, rsh, ftp servers) absent, SSH configuration present.',
    values: {},
    rules: [
      { id: 'firewall', kind: 'firewall', os: linux },
      { id: 'unattended', kind: 'software_installed', os: linux, name: 'unattended-upgrades' },
      { id: 'no-telnetd', kind: 'software_absent', os: linux, name: 'telnetd' },
      { id: 'no-rsh', kind: 'software_absent', os: linux, name: 'rsh-server' },
      { id: 'no-vsftpd', kind: 'software_absent', os: linux, name: 'vsftpd' },
      { id: 'sshd-config', kind: 'file_present', os: linux, path: '/etc/ssh/sshd_config' },
    ],
  },
  {
    key: 'windows-security-baseline', name: 'Windows security baseline', type: 'security', category: 'Baselines', enforcement: 'warn', checkIntervalMinutes: 60,
    description: 'Firewall on all profiles, BitLocker on, Defender running, SMBv1 off, NTLMv2 only, User Account Control on.',
    values: {},
    rules: [
      { id: 'firewall', kind: 'firewall', os: win },
      { id: 'bitlocker', kind: 'disk_encryption', os: win },
      restartWin('defender', 'WinDefend', 'Microsoft Defender Antivirus running'),
      { id: 'smb1-off', kind: 'registry_value', os: win, path: 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters', valueName: 'SMB1', expected: '0', label: 'SMBv1 server disabled' },
      { id: 'ntlmv2', kind: 'registry_value', os: win, path: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa', valueName: 'LmCompatibilityLevel', expected: '5', label: 'NTLMv2 only (LmCompatibilityLevel 5)' },
      { id: 'uac', kind: 'registry_value', os: win, path: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System', valueName: 'EnableLUA', expected: '1', label: 'User Account Control on' },
    ],
  },
  {
    key: 'macos-security-baseline', name: 'macOS security baseline', type: 'security', category: 'Baselines', enforcement: 'warn', checkIntervalMinutes: 60,
    description: 'FileVault and the application firewall on; no consumer remote-control tools.',
    values: {},
    rules: [
      { id: 'filevault', kind: 'disk_encryption', os: mac, label: 'FileVault on' },
      { id: 'firewall', kind: 'firewall', os: mac },
      { id: 'no-teamviewer', kind: 'software_absent', os: mac, name: 'TeamViewer' },
    ],
  },
  {
    key: 'disk-encryption', name: 'Disk encryption required', type: 'security', category: 'Data protection', enforcement: 'warn', checkIntervalMinutes: 240,
    description: 'BitLocker, FileVault or LUKS on the system disk of every device.',
    values: {}, rules: [{ id: 'encryption', kind: 'disk_encryption' }],
  },
  {
    key: 'firewall', name: 'Firewall required', type: 'security', category: 'Network', enforcement: 'warn', checkIntervalMinutes: 60,
    description: 'The host firewall is on (Windows Firewall on every profile, the macOS application firewall, ufw/firewalld/nftables on Linux).',
    values: {}, rules: [{ id: 'firewall', kind: 'firewall' }],
  },
  {
    key: 'no-remote-tools', name: 'Unapproved remote-access tools prohibited', type: 'software', category: 'Software', enforcement: 'warn', checkIntervalMinutes: 60,
    description: 'TeamViewer, AnyDesk, RustDesk, Splashtop and VNC servers are not installed (use Breeze remote access instead).',
    values: {},
    rules: ['TeamViewer', 'AnyDesk', 'RustDesk', 'Splashtop Streamer', 'RealVNC Server', 'TightVNC'].map((name, i) => ({ id: `absent-${i}`, kind: 'software_absent' as const, name })),
  },
  {
    key: 'browser-current', name: 'Browsers up to date', type: 'software', category: 'Software', enforcement: 'monitor', checkIntervalMinutes: 240,
    description: 'Where Chrome or Firefox is installed, it is at least a supported major version.',
    values: {},
    rules: [
      { id: 'chrome', kind: 'software_installed', name: 'Google Chrome', versionOp: '>=', version: '120', os: ['windows', 'macos'] },
      { id: 'firefox', kind: 'software_installed', name: 'Mozilla Firefox', versionOp: '>=', version: '115', os: win },
    ],
  },
  {
    key: 'endpoint-protection', name: 'Endpoint protection running', type: 'security', category: 'Antivirus', enforcement: 'enforce', checkIntervalMinutes: 30,
    description: 'Microsoft Defender running on Windows (restarted when stopped); ClamAV installed and its daemon running on Linux.',
    values: {},
    rules: [
      restartWin('defender', 'WinDefend', 'Microsoft Defender Antivirus running'),
      { id: 'clamav', kind: 'software_installed', os: linux, name: 'clamav' },
      restartLinux('clamd', 'clamav-daemon', 'ClamAV daemon running'),
    ],
  },
  {
    key: 'patch-management', name: 'Patch management', type: 'patching', category: 'Updates', enforcement: 'enforce', checkIntervalMinutes: 60,
    description: 'The update services run (Windows Update, unattended-upgrades); settings for approval and reboots that the patching engine reads.',
    values: { 'patching.autoApproveCritical': true, 'patching.autoApproveSecurity': true, 'patching.rebootPolicy': 'outside-business-hours', 'patching.deferDays': 3 },
    rules: [
      restartWin('wuauserv', 'wuauserv', 'Windows Update service running'),
      { id: 'unattended', kind: 'software_installed', os: linux, name: 'unattended-upgrades' },
    ],
  },
  {
    key: 'patch-window-weekend', name: 'Patch window: weekend', type: 'patching', category: 'Updates', enforcement: 'monitor', checkIntervalMinutes: 1440,
    description: 'Patches install Saturday 22:00 to Sunday 04:00 local time, reboots allowed in the window.',
    values: { 'patching.window': 'Sat 22:00-Sun 04:00', 'patching.rebootAllowed': true, 'patching.maxDurationMinutes': 360 },
    rules: [],
  },
  {
    key: 'monitoring-standard', name: 'Monitoring: standard', type: 'monitoring', category: 'Monitoring', enforcement: 'warn', checkIntervalMinutes: 30,
    description: 'A one-minute heartbeat with metrics; the thresholds alert rules and dashboards read.',
    values: { 'monitoring.heartbeatSeconds': 60, 'monitoring.cpuWarnPercent': 90, 'monitoring.diskWarnPercent': 90, 'monitoring.offlineAfterMinutes': 5 },
    rules: [
      { id: 'heartbeat', kind: 'agent_config', setting: 'heartbeatSeconds', op: '<=', expected: '60' },
      { id: 'metrics', kind: 'agent_config', setting: 'metricsCollection', op: '=', expected: 'true' },
    ],
  },
  {
    key: 'monitoring-relaxed', name: 'Monitoring: low bandwidth', type: 'monitoring', category: 'Monitoring', enforcement: 'monitor', checkIntervalMinutes: 60,
    description: 'For metered links: a five-minute heartbeat is enough, metrics still on.',
    values: { 'monitoring.heartbeatSeconds': 300, 'monitoring.offlineAfterMinutes': 20 },
    rules: [
      { id: 'heartbeat', kind: 'agent_config', setting: 'heartbeatSeconds', op: '<=', expected: '300' },
      { id: 'metrics', kind: 'agent_config', setting: 'metricsCollection', op: '=', expected: 'true' },
    ],
  },
  {
    key: 'alerting-defaults', name: 'Alert thresholds', type: 'alert', category: 'Alerts', enforcement: 'monitor', checkIntervalMinutes: 1440,
    description: 'Org-wide thresholds for CPU, memory, disk and offline alerts; override them per site or group with a higher-priority policy.',
    values: { 'alerts.cpuPercent': 90, 'alerts.ramPercent': 90, 'alerts.diskPercent': 90, 'alerts.offlineMinutes': 10, 'alerts.severity': 'high' },
    rules: [],
  },
  {
    key: 'backup-agent', name: 'Backup agent present', type: 'backup', category: 'Backup', enforcement: 'warn', checkIntervalMinutes: 240,
    description: 'A backup agent is installed (Veeam Agent on Windows, restic or borgbackup on Linux) and the backup settings the backup engine reads.',
    values: { 'backup.schedule': 'daily 01:00', 'backup.retentionDays': 30, 'backup.verify': true },
    rules: [
      { id: 'veeam', kind: 'software_installed', os: win, name: 'Veeam Agent for Microsoft Windows' },
      { id: 'restic', kind: 'software_installed', os: linux, name: 'restic', label: 'restic installed' },
    ],
  },
  {
    key: 'maintenance-window', name: 'Maintenance window: nightly', type: 'maintenance', category: 'Maintenance', enforcement: 'monitor', checkIntervalMinutes: 1440,
    description: 'Nightly 01:00–05:00 maintenance: restarts and disruptive tasks allowed, alerts held.',
    values: { 'maintenance.window': 'daily 01:00-05:00', 'maintenance.rebootAllowed': true, 'maintenance.holdAlerts': true },
    rules: [],
  },
  {
    key: 'time-sync', name: 'Time synchronisation', type: 'maintenance', category: 'Services', enforcement: 'enforce', checkIntervalMinutes: 60,
    description: 'The time service runs (restarted when stopped): Windows Time, systemd-timesyncd on Linux.',
    values: {},
    rules: [restartWin('w32time', 'W32Time', 'Windows Time running'), restartLinux('timesync', 'systemd-timesyncd', 'systemd-timesyncd running')],
  },
  {
    key: 'logging', name: 'System logging', type: 'monitoring', category: 'Services', enforcement: 'enforce', checkIntervalMinutes: 60,
    description: 'The event log service (Windows) and rsyslog (Linux) run; restarted when they stop.',
    values: {},
    rules: [restartWin('eventlog', 'EventLog', 'Windows Event Log running'), restartLinux('rsyslog', 'rsyslog', 'rsyslog running')],
  },
  {
    key: 'web-server', name: 'Web server running', type: 'custom', category: 'Services', enforcement: 'enforce', checkIntervalMinutes: 15,
    description: 'nginx installed and running on Linux web servers; restarted when it stops. Assign it to a web-server group.',
    values: {},
    rules: [{ id: 'nginx-installed', kind: 'software_installed', os: linux, name: 'nginx' }, restartLinux('nginx', 'nginx', 'nginx running')],
  },
  {
    key: 'print-server', name: 'Print spooler running', type: 'custom', category: 'Services', enforcement: 'enforce', checkIntervalMinutes: 15,
    description: 'The Print Spooler runs on Windows print servers; restarted when it stops. Assign it to a print-server group.',
    values: {}, rules: [restartWin('spooler', 'Spooler', 'Print Spooler running')],
  },
  {
    key: 'kiosk-lockdown', name: 'Kiosk / POS lockdown', type: 'software', category: 'Software', enforcement: 'warn', checkIntervalMinutes: 60,
    description: 'No games, torrent clients or consumer chat apps on shared kiosks and point-of-sale machines.',
    values: {},
    rules: ['Steam', 'Epic Games Launcher', 'uTorrent', 'qBittorrent', 'Discord'].map((name, i) => ({ id: `absent-${i}`, kind: 'software_absent' as const, name })),
  },
  {
    key: 'developer-workstation', name: 'Developer workstation', type: 'software', category: 'Software', enforcement: 'monitor', checkIntervalMinutes: 240,
    description: 'Git and a current Python are installed on developer machines.',
    values: {},
    rules: [{ id: 'git', kind: 'software_installed', name: 'git' }, { id: 'python', kind: 'software_installed', os: linux, name: 'python3', versionOp: '>=', version: '3.10' }],
  },
]

export function findTemplate(key: string): PolicyTemplate | undefined {
  return policyTemplates.find((t) => t.key === key)
}
