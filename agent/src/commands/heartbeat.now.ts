// `heartbeat.now`: send a heartbeat at once ("force check-in" on the device page).
import { t } from '../../../src/protocol/schema'
import type { CommandHandler } from './types'

export const payload = t.Object({})

export const handler: CommandHandler = async (_command, _io, agent) => {
  await agent.heartbeatNow()
  return {}
}
