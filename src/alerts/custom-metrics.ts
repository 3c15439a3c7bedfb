// Custom metrics: values a device's scripts report, watched by rules on `custom.<name>`. They
// arrive with a heartbeat (HeartbeatMetrics.custom) or from a script's output, where each line
// `BREEZE_METRIC <name>=<number>` reports one value.
import type { AppContext } from '../context'
import type { HeartbeatMetrics } from '../events'
import { evaluateDevice } from './engine'

const metricLine = /^BREEZE_METRIC\s+([A-Za-z0-9_.-]{1,64})\s*=\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$/gm

/** parseCustomMetrics reads the `BREEZE_METRIC name=value` lines of a script's output (last value wins, at most 100). */
export function parseCustomMetrics(output: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of output.matchAll(metricLine)) {
    if (Object.keys(out).length >= 100 && !(m[1] in out)) continue
    const v = Number(m[2])
    if (Number.isFinite(v)) out[m[1]] = v
  }
  return out
}

/**
 * recordCustomMetrics evaluates a device's rules on freshly reported custom metrics (the other
 * metrics count as unknown, so rules on them are left as they are).
 */
export async function recordCustomMetrics(ctx: AppContext, device: { id: string; orgId: string }, custom: Record<string, number>) {
  if (Object.keys(custom).length === 0) return
  const metrics: HeartbeatMetrics = { cpuPercent: null, ramPercent: null, diskPercent: null, volumes: {}, netInBytes: null, netOutBytes: null, processCount: null, pendingReboot: false, custom }
  await evaluateDevice(ctx, { deviceId: device.id, orgId: device.orgId, trigger: 'heartbeat', metrics, partial: true })
}
