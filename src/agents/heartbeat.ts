// Heartbeats: every agent reports metrics every `heartbeatSeconds`. The sample and the
// latest values on the device row are written in batches (BatchWriter); the answer carries
// commands the agent missed while its socket was down and an upgrade instruction.
import type { AppContext } from '../context'
import { AppError } from '../lib/errors'
import { newId } from '../lib/ids'
import { capText, type HeartbeatRequest, type HeartbeatResponse } from '../protocol'
import type { HeartbeatMetrics } from '../events'
import { platformOf, type AgentIdentity } from './auth'
import { processWatchFor } from '../alerts/process-watch'
import { upgradeFor } from './builds'
import { signedCommandsFor } from './commands'
import { insertDeviceChanges, updateDeviceRow } from './device-repo'

type Ctx = AppContext

export class CloneSuspectedError extends AppError {
  constructor() { super(409, 'clone_suspected', 'another machine already uses this agent identity (a cloned VM?); re-enroll this machine with an enrollment key') }
}

/** checkSameMachine flags the device and refuses the caller when the reported hardware id is not the enrolled one. */
export async function checkSameMachine(ctx: Ctx, agent: AgentIdentity, hardwareId: string): Promise<void> {
  if (hardwareId === agent.hardwareId) return
  if (!agent.cloneSuspectedAt) {
    const now = ctx.clock.now()
    await updateDeviceRow(ctx.db, agent.id, { cloneSuspectedAt: now })
    await insertDeviceChanges(ctx.db, [{ id: newId(), deviceId: agent.id, at: now, kind: 'agent', action: 'clone_suspected', summary: 'A second machine presented this device\'s agent identity (cloned VM?)', details: { reportedHardwareId: hardwareId } }])
    ctx.log.warn('agent identity used by another machine', { deviceId: agent.id, agentId: agent.agentId })
    ctx.events.emit('device.updated', { deviceId: agent.id, orgId: agent.orgId, fields: ['cloneSuspectedAt'] })
  }
  throw new CloneSuspectedError()
}

const round = (v: number | null) => (v === null ? null : Math.round(v))

/** recordHeartbeat stores one heartbeat and answers what the agent should know. */
export async function recordHeartbeat(ctx: Ctx, agent: AgentIdentity, hb: HeartbeatRequest, ip: string | null): Promise<HeartbeatResponse> {
  await checkSameMachine(ctx, agent, hb.hardwareId)
  ctx.metrics.heartbeats.inc()
  const now = ctx.clock.now()
  const m = hb.metrics
  const loggedInUsers = [...new Set(hb.loggedInUsers.map((u) => capText(u)).filter((u): u is string => !!u))]
  await ctx.agents.heartbeats.add({
    metrics: {
      deviceId: agent.id, at: now, cpuPercent: round(m.cpuPercent), ramPercent: round(m.ramPercent), ramUsedMb: round(m.ramUsedMb), diskPercent: round(m.diskPercent),
      diskUsedGb: round(m.diskUsedGb), netInBytes: round(m.netInBytes), netOutBytes: round(m.netOutBytes), processCount: round(m.processCount), custom: null,
    },
    device: {
      id: agent.id, now, cpuPercent: round(m.cpuPercent), ramPercent: round(m.ramPercent), diskPercent: round(m.diskPercent),
      lastUser: capText(hb.lastUser), loggedInUsers, pendingReboot: hb.pendingReboot, agentVersion: hb.agentVersion, publicIp: ip,
      bootTime: hb.uptimeSeconds === null ? null : now - Math.round(hb.uptimeSeconds * 1000),
    },
  })
  if (agent.status === 'offline') ctx.events.emit('device.online', { deviceId: agent.id, orgId: agent.orgId })
  const metrics: HeartbeatMetrics = {
    cpuPercent: m.cpuPercent, ramPercent: m.ramPercent, diskPercent: m.diskPercent, volumes: m.volumes, netInBytes: m.netInBytes, netOutBytes: m.netOutBytes,
    processCount: m.processCount, pendingReboot: hb.pendingReboot, custom: {},
  }
  if (m.processes?.length) metrics.processes = Object.fromEntries(m.processes.map((p) => [p.pattern, { count: p.count, cpuPercent: p.cpuPercent }]))
  ctx.events.emit('heartbeat.received', { deviceId: agent.id, orgId: agent.orgId, at: now, metrics, bootTime: hb.uptimeSeconds === null ? null : now - Math.round(hb.uptimeSeconds * 1000) })
  return {
    serverTime: now,
    heartbeatSeconds: agent.heartbeatSeconds,
    commands: ctx.agents.isConnected(agent.id) ? [] : await signedCommandsFor(ctx, agent),
    upgrade: upgradeFor(ctx, platformOf(agent), hb.agentVersion, hb.failedUpdates),
    watchProcesses: await processWatchFor(ctx, agent),
  }
}

