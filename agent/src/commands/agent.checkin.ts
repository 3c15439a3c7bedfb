// `agent.checkin`: "force check-in": a heartbeat now and a full inventory (every section).
import { checkinPayload } from '../../../src/protocol'
import type { CommandHandler } from './types'

export const payload = checkinPayload

export const handler: CommandHandler = async (_command, _io, agent) => {
  await agent.heartbeatNow()
  return { sections: await agent.refreshInventory(true) }
}
