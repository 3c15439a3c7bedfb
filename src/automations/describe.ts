// Automations in words, for lists and read-only pages: "Every day at 02:00 (Europe/London)",
// "When a device has been offline for 15 minutes", a step's one-line summary.
import type { AutomationConditions, AutomationStep, AutomationTrigger } from './types'

export type Names = { scripts: Map<string, string>; channels: Map<string, string>; automations: Map<string, string>; groups: Map<string, string>; sites: Map<string, string>; rules: Map<string, string> }

const eventWords: Record<string, string> = {
  'device.enrolled': 'When a device enrolls',
  'device.offline': 'When a device has been offline',
  'alert.triggered': 'When an alert fires',
  'script.completed': 'When a script finishes',
  'software.changed': 'When software changes on a device',
  'patch.installed': 'When an update is installed on a device',
  'patch.failed': 'When an update fails to install on a device',
}

export function describeTrigger(tr: AutomationTrigger, names?: Names): string {
  switch (tr.type) {
    case 'schedule': return `On the schedule "${tr.cron}" (${tr.timezone ?? 'UTC'})`
    case 'webhook': return 'When its webhook URL is called (HMAC-signed)'
    case 'manual': return 'Only when started by hand'
    case 'event': {
      const base = eventWords[tr.event ?? ''] ?? `On ${tr.event}`
      if (tr.event === 'device.offline') return `${base} for ${tr.durationMinutes} minutes`
      if (tr.event === 'alert.triggered') return `${base}${tr.alertRuleId ? ` for the rule "${names?.rules.get(tr.alertRuleId) ?? tr.alertRuleId}"` : ''}${tr.severities?.length ? ` (${tr.severities.join(', ')})` : ''}`
      if (tr.event === 'script.completed') return `${base}${tr.scriptId ? ` ("${names?.scripts.get(tr.scriptId) ?? tr.scriptId}")` : ''}${tr.outcome && tr.outcome !== 'any' ? `, ${tr.outcome}` : ''}`
      if (tr.event === 'software.changed') return `${base}${tr.softwareName ? ` matching "${tr.softwareName}"` : ''}${tr.change && tr.change !== 'any' ? ` (${tr.change})` : ''}`
      return base
    }
  }
}

export function describeConditions(c: AutomationConditions): string[] {
  const out: string[] = []
  if (c.deviceFilter?.trim()) out.push(`Devices matching: ${c.deviceFilter.trim()}`)
  const w = c.timeWindow
  if (w) {
    const days = w.days.map((d) => ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d]).join(', ')
    out.push(`Only ${days}, ${w.from}–${w.to} (${w.timezone})`)
  }
  return out
}

function targetWords(s: AutomationStep, names?: Names): string {
  const tg = s.target ?? { triggerDevice: true }
  const parts: string[] = []
  if (tg.triggerDevice) parts.push('the triggering device')
  if (tg.wholeOrg) parts.push('every device of the organization')
  if (tg.deviceIds?.length) parts.push(`${tg.deviceIds.length} device${tg.deviceIds.length === 1 ? '' : 's'}`)
  if (tg.groupIds?.length) parts.push(`group${tg.groupIds.length === 1 ? '' : 's'} ${tg.groupIds.map((g) => `"${names?.groups.get(g) ?? g}"`).join(', ')}`)
  if (tg.siteIds?.length) parts.push(`site${tg.siteIds.length === 1 ? '' : 's'} ${tg.siteIds.map((g) => `"${names?.sites.get(g) ?? g}"`).join(', ')}`)
  return parts.join(' and ') || 'no devices'
}

export function describeStep(s: AutomationStep, names?: Names): string {
  switch (s.type) {
    case 'run_script': return `Run "${names?.scripts.get(s.scriptId ?? '') ?? s.scriptId}" on ${targetWords(s, names)}${s.waitForResult === false ? ' (without waiting)' : ''}`
    case 'notify': return `Notify ${(s.channelIds ?? []).map((c) => `"${names?.channels.get(c) ?? c}"`).join(', ')}: ${s.title}`
    case 'update_device': {
      const what: string[] = []
      if (s.addTags?.length) what.push(`add tags ${s.addTags.join(', ')}`)
      if (s.removeTags?.length) what.push(`remove tags ${s.removeTags.join(', ')}`)
      if (s.addToGroupId) what.push(`add to group "${names?.groups.get(s.addToGroupId) ?? s.addToGroupId}"`)
      if (s.removeFromGroupId) what.push(`remove from group "${names?.groups.get(s.removeFromGroupId) ?? s.removeFromGroupId}"`)
      if (s.siteId) what.push(`move to site "${names?.sites.get(s.siteId) ?? s.siteId}"`)
      if (s.customFields && Object.keys(s.customFields).length) what.push(`set ${Object.keys(s.customFields).join(', ')}`)
      return `On ${targetWords(s, names)}: ${what.join('; ')}`
    }
    case 'run_automation': return `Run the automation "${names?.automations.get(s.automationId ?? '') ?? s.automationId}"${s.waitForResult === false ? ' (without waiting)' : ''}`
    case 'wait': return `Wait ${formatSeconds(s.seconds ?? 0)}`
    case 'condition': return `If ${(s.clauses ?? []).map((c) => `${c.field} ${c.op} ${JSON.stringify(c.value)}`).join(s.match === 'any' ? ' or ' : ' and ')}`
    case 'create_ticket': return `Open a ${s.priority ?? 'normal'} ticket: ${s.title}`
  }
}

export function formatSeconds(n: number): string {
  if (n % 86400 === 0) return `${n / 86400} day${n === 86400 ? '' : 's'}`
  if (n % 3600 === 0) return `${n / 3600} hour${n === 3600 ? '' : 's'}`
  if (n % 60 === 0) return `${n / 60} minute${n === 60 ? '' : 's'}`
  return `${n} second${n === 1 ? '' : 's'}`
}
