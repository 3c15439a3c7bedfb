// Built-in alert templates (sensible defaults a user turns into a rule with one click) and the
// {{placeholder}} renderer for alert titles and messages. Output is plain text; pages escape it.
import type { AlertValues, RuleConditions, RuleTargets, Severity } from './types'

export type AlertTemplate = {
  key: string
  name: string
  description: string
  category: 'Performance' | 'Disk' | 'Availability' | 'Security' | 'Software' | 'Maintenance'
  severity: Severity
  conditions: RuleConditions
  cooldownMinutes: number
  autoResolve: boolean
  titleTemplate: string
  messageTemplate: string
  siteOfflineThreshold?: number
  targets?: RuleTargets
}

/** The placeholders a title or message may use. */
export const templateVariables = [
  'device.name', 'device.hostname', 'device.os', 'org.name', 'site.name', 'rule.name', 'severity', 'condition',
  'metric', 'value', 'threshold', 'operator', 'volume', 'minutes', 'lastSeenMinutesAgo', 'days',
  'software', 'version', 'event', 'service', 'state', 'agentVersion', 'minVersion',
] as const

const placeholder = /\{\{\s*([A-Za-z][\w.]*)\s*\}\}/g

/** unknownVariables lists placeholders of `template` that renderTemplate would not know. */
export function unknownVariables(template: string): string[] {
  return [...template.matchAll(placeholder)].map((m) => m[1]).filter((v) => !(templateVariables as readonly string[]).includes(v))
}

/** renderTemplate fills {{name}} placeholders; missing values render as an empty string. */
export function renderTemplate(template: string, vars: Record<string, string | number | boolean | null | undefined>): string {
  return template.replace(placeholder, (_, name: string) => {
    const v = vars[name]
    if (v === null || v === undefined) return ''
    return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : String(v)
  })
}

/** templateVars merges device/org/rule fields with the values the conditions reported. */
export function templateVars(base: { deviceName?: string | null; hostname?: string | null; os?: string | null; orgName?: string | null; siteName?: string | null; ruleName?: string | null; severity: string; condition?: string }, values: AlertValues) {
  return {
    ...values,
    'device.name': base.deviceName ?? base.hostname ?? '', 'device.hostname': base.hostname ?? '', 'device.os': base.os ?? '',
    'org.name': base.orgName ?? '', 'site.name': base.siteName ?? '', 'rule.name': base.ruleName ?? '', severity: base.severity, condition: base.condition ?? '',
  }
}

const one = (items: RuleConditions['items'], match: RuleConditions['match'] = 'all'): RuleConditions => ({ match, items })

export const alertTemplates: AlertTemplate[] = [
  {
    key: 'high-cpu', name: 'High CPU', category: 'Performance', severity: 'high', cooldownMinutes: 30, autoResolve: true,
    description: 'CPU above 90% for 5 minutes.',
    conditions: one([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90, durationMinutes: 5 }]),
    titleTemplate: 'High CPU on {{device.name}} ({{value}}%)',
    messageTemplate: 'CPU on {{device.name}} ({{org.name}} / {{site.name}}) has been above {{threshold}}% for 5 minutes; now {{value}}%.',
  },
  {
    key: 'high-memory', name: 'High memory use', category: 'Performance', severity: 'medium', cooldownMinutes: 30, autoResolve: true,
    description: 'Memory above 90% for 10 minutes.',
    conditions: one([{ type: 'metric', metric: 'ram_percent', operator: 'gt', value: 90, durationMinutes: 10 }]),
    titleTemplate: 'High memory use on {{device.name}} ({{value}}%)',
    messageTemplate: 'Memory use on {{device.name}} has been above {{threshold}}% for 10 minutes; now {{value}}%.',
  },
  {
    key: 'resource-pressure', name: 'CPU and memory both saturated', category: 'Performance', severity: 'critical', cooldownMinutes: 60, autoResolve: true,
    description: 'CPU above 85% AND memory above 90%, both for 10 minutes: the machine is struggling.',
    conditions: one([
      { type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 85, durationMinutes: 10 },
      { type: 'metric', metric: 'ram_percent', operator: 'gt', value: 90, durationMinutes: 10 },
    ]),
    titleTemplate: '{{device.name}} is saturated (CPU and memory)',
    messageTemplate: '{{device.name}} has had CPU above 85% and memory above 90% for 10 minutes.',
  },
  {
    key: 'high-process-count', name: 'Runaway process count', category: 'Performance', severity: 'low', cooldownMinutes: 120, autoResolve: true,
    description: 'More than 600 processes for 15 minutes (fork loops, stuck jobs).',
    conditions: one([{ type: 'metric', metric: 'process_count', operator: 'gt', value: 600, durationMinutes: 15 }]),
    titleTemplate: '{{value}} processes on {{device.name}}',
    messageTemplate: '{{device.name}} has run more than {{threshold}} processes for 15 minutes (now {{value}}).',
  },
  {
    key: 'low-disk', name: 'Low disk space', category: 'Disk', severity: 'high', cooldownMinutes: 60, autoResolve: true,
    description: 'Any volume more than 90% full.',
    conditions: one([{ type: 'metric', metric: 'disk_volume_percent', operator: 'gt', value: 90 }]),
    titleTemplate: 'Low disk space on {{device.name}} {{volume}} ({{value}}% used)',
    messageTemplate: 'Volume {{volume}} on {{device.name}} is {{value}}% full (threshold {{threshold}}%).',
  },
  {
    key: 'disk-critical', name: 'Disk almost full', category: 'Disk', severity: 'critical', cooldownMinutes: 30, autoResolve: true,
    description: 'Any volume more than 97% full: services are about to fail.',
    conditions: one([{ type: 'metric', metric: 'disk_volume_percent', operator: 'gt', value: 97 }]),
    titleTemplate: '{{volume}} almost full on {{device.name}} ({{value}}%)',
    messageTemplate: 'Volume {{volume}} on {{device.name}} is {{value}}% full. Free space now.',
  },
  {
    key: 'system-drive-low', name: 'System drive low (Windows C:)', category: 'Disk', severity: 'high', cooldownMinutes: 60, autoResolve: true,
    description: 'Drive C: more than 85% full on Windows machines (updates need room).',
    conditions: one([{ type: 'metric', metric: 'disk_volume_percent', operator: 'gt', value: 85, volume: 'C:*' }]),
    titleTemplate: 'C: is {{value}}% full on {{device.name}}',
    messageTemplate: 'The system drive of {{device.name}} is {{value}}% full; Windows updates may fail above 85%.',
  },
  {
    key: 'device-offline', name: 'Device offline', category: 'Availability', severity: 'high', cooldownMinutes: 0, autoResolve: true, siteOfflineThreshold: 3,
    description: 'Nothing heard from the agent for 5 minutes. Three or more at one site raise one site alert.',
    conditions: one([{ type: 'offline', minutes: 5 }]),
    titleTemplate: '{{device.name}} is offline',
    messageTemplate: '{{device.name}} ({{org.name}} / {{site.name}}) has not been heard from for {{lastSeenMinutesAgo}} minutes.',
  },
  {
    key: 'device-offline-day', name: 'Device offline for a day', category: 'Availability', severity: 'low', cooldownMinutes: 0, autoResolve: true,
    description: 'A workstation or laptop not seen for 24 hours (stolen, broken, or retired without decommissioning).',
    conditions: one([{ type: 'offline', minutes: 1440 }]),
    titleTemplate: '{{device.name}} not seen for a day',
    messageTemplate: '{{device.name}} has not checked in for {{lastSeenMinutesAgo}} minutes. Decommission it if it is gone.',
  },
  {
    key: 'stale-heartbeat', name: 'Stale monitoring data', category: 'Availability', severity: 'medium', cooldownMinutes: 60, autoResolve: true,
    description: 'The agent is connected but has sent no heartbeat with metrics for 15 minutes.',
    conditions: one([{ type: 'stale', minutes: 15 }]),
    titleTemplate: 'No metrics from {{device.name}} for {{lastSeenMinutesAgo}} min',
    messageTemplate: 'The agent on {{device.name}} is reachable but has not reported metrics for {{lastSeenMinutesAgo}} minutes.',
  },
  {
    key: 'av-disabled', name: 'Antivirus disabled (Microsoft Defender)', category: 'Security', severity: 'critical', cooldownMinutes: 60, autoResolve: true,
    description: 'The Microsoft Defender Antivirus service (WinDefend) is stopped.',
    conditions: one([{ type: 'service', name: 'WinDefend', durationMinutes: 0 }]),
    titleTemplate: 'Antivirus disabled on {{device.name}}',
    messageTemplate: 'The service {{service}} on {{device.name}} is {{state}}. The machine is unprotected.',
  },
  {
    key: 'firewall-stopped', name: 'Firewall service stopped (Windows)', category: 'Security', severity: 'high', cooldownMinutes: 60, autoResolve: true,
    description: 'The Windows Defender Firewall service (MpsSvc) is stopped.',
    conditions: one([{ type: 'service', name: 'MpsSvc' }]),
    titleTemplate: 'Firewall stopped on {{device.name}}',
    messageTemplate: 'The service {{service}} on {{device.name}} is {{state}}.',
  },
  {
    key: 'av-removed', name: 'Antivirus removed', category: 'Security', severity: 'high', cooldownMinutes: 0, autoResolve: false,
    description: 'Security software was uninstalled.',
    conditions: one([{ type: 'software', event: 'removed', pattern: '*antivirus*, *defender*, *endpoint protection*, *sophos*, *bitdefender*, *eset*, *malwarebytes*, *crowdstrike*, *sentinel*' }]),
    titleTemplate: '{{software}} removed from {{device.name}}',
    messageTemplate: '{{software}} {{version}} was uninstalled from {{device.name}}. Check whether this was intended.',
  },
  {
    key: 'remote-tool-installed', name: 'Unapproved remote access tool installed', category: 'Security', severity: 'medium', cooldownMinutes: 0, autoResolve: false,
    description: 'TeamViewer, AnyDesk and similar tools are a favourite entry point for attackers.',
    conditions: one([{ type: 'software', event: 'installed', pattern: '*teamviewer*, *anydesk*, *rustdesk*, *logmein*, *splashtop*, *screenconnect*, *ultraviewer*' }]),
    titleTemplate: '{{software}} installed on {{device.name}}',
    messageTemplate: '{{software}} {{version}} was installed on {{device.name}}.',
  },
  {
    key: 'windows-update-stopped', name: 'Windows Update service stopped', category: 'Maintenance', severity: 'medium', cooldownMinutes: 240, autoResolve: true,
    description: 'The Windows Update service (wuauserv) has been stopped for an hour.',
    conditions: one([{ type: 'service', name: 'wuauserv', durationMinutes: 60 }]),
    titleTemplate: 'Windows Update stopped on {{device.name}}',
    messageTemplate: 'The service {{service}} on {{device.name}} has been {{state}} for an hour; patches will not install.',
  },
  {
    key: 'ssh-stopped', name: 'SSH server stopped (Linux)', category: 'Availability', severity: 'medium', cooldownMinutes: 60, autoResolve: true,
    description: 'sshd is not running: remote administration outside Breeze is cut off.',
    conditions: one([{ type: 'service', name: 'ssh, sshd, ssh.service, sshd.service' }]),
    titleTemplate: 'SSH server stopped on {{device.name}}',
    messageTemplate: 'The service {{service}} on {{device.name}} is {{state}}.',
  },
  {
    key: 'pending-reboot', name: 'Reboot pending for a week', category: 'Maintenance', severity: 'low', cooldownMinutes: 1440, autoResolve: true,
    description: 'Updates installed but the machine has not rebooted for 7 days.',
    conditions: one([{ type: 'pending_reboot', days: 7 }]),
    titleTemplate: '{{device.name}} needs a reboot',
    messageTemplate: '{{device.name}} has been waiting {{days}} days for a reboot to finish installing updates.',
  },
  {
    key: 'agent-outdated', name: 'Agent outdated', category: 'Maintenance', severity: 'info', cooldownMinutes: 1440, autoResolve: true,
    description: 'The Breeze agent is older than the server.',
    conditions: one([{ type: 'agent_outdated' }]),
    titleTemplate: 'Old agent on {{device.name}} ({{agentVersion}})',
    messageTemplate: 'The agent on {{device.name}} runs {{agentVersion}}; the server expects {{minVersion}} or later.',
  },
  {
    key: 'new-software', name: 'New software installed', category: 'Software', severity: 'info', cooldownMinutes: 0, autoResolve: false,
    description: 'Any software installed (useful on locked-down machines).',
    conditions: one([{ type: 'software', event: 'installed', pattern: '*' }]),
    titleTemplate: '{{software}} installed on {{device.name}}',
    messageTemplate: '{{software}} {{version}} was installed on {{device.name}}.',
  },
  {
    key: 'custom-metric', name: 'Custom metric above a threshold', category: 'Performance', severity: 'medium', cooldownMinutes: 30, autoResolve: true,
    description: 'A value your own scripts report (here custom.app_response_ms above 5000 for 5 minutes): rename the metric to yours.',
    conditions: one([{ type: 'metric', metric: 'custom.app_response_ms', operator: 'gt', value: 5000, durationMinutes: 5 }]),
    titleTemplate: '{{metric}} is {{value}} on {{device.name}}',
    messageTemplate: '{{metric}} on {{device.name}} has been above {{threshold}} for 5 minutes (now {{value}}).',
  },
]

export function findTemplate(key: string): AlertTemplate | undefined {
  return alertTemplates.find((t) => t.key === key)
}
