// The command types this agent runs: one file per type, listed here. To add a type, write
// agent/src/commands/<type>.ts exporting `handler` (and `payload`, its TypeBox schema) and add
// one line below: the module itself for small ones, `() => import('./<type>')` for a type
// that pulls in something heavy, so it is loaded only when such a command first arrives
// (remote access brings WebRTC: ~17 MB of resident memory the idle agent does not need).
import type { TSchema } from '@sinclair/typebox'
import type { CommandHandler } from './types'
import * as agentCheckin from './agent.checkin'
import * as heartbeatNow from './heartbeat.now'
import * as inventoryRefresh from './inventory.refresh'
import * as processesList from './processes.list'

export type CommandModule = { handler: CommandHandler; payload?: TSchema }

export const commandHandlers: Record<string, CommandModule | (() => Promise<CommandModule>)> = {
  'processes.list': processesList,
  'process.kill': () => import('./process.kill'),
  'service.control': () => import('./service.control'),
  'eventlog.query': () => import('./eventlog.query'),
  'inventory.refresh': inventoryRefresh,
  'heartbeat.now': heartbeatNow,
  'agent.checkin': agentCheckin,
  'power.reboot': () => import('./power.reboot'),
  'power.shutdown': () => import('./power.shutdown'),
  'power.wake': () => import('./power.wake'),
  'script.run': () => import('./script.run'),
  'policy.check': () => import('./policy.check'),
  'patch.scan': () => import('./patch.scan'),
  'patch.install': () => import('./patch.install'),
  'remote.open': () => import('./remote.open'),
  'remote.capabilities': () => import('./remote.capabilities'),
}

/** loadCommand returns the module of a command type, loading it on first use; undefined for unknown types. */
export async function loadCommand(type: string): Promise<CommandModule | undefined> {
  const entry = Object.hasOwn(commandHandlers, type) ? commandHandlers[type] : undefined
  return typeof entry === 'function' ? entry() : entry
}
