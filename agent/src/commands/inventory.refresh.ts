// `inventory.refresh`: collect and send the inventory now (changed sections, or all with full).
import { inventoryRefreshPayload } from '../../../src/protocol'
import type { CommandHandler } from './types'

export const payload = inventoryRefreshPayload

export const handler: CommandHandler = async (command, _io, agent) => {
  const p = command.payload as typeof inventoryRefreshPayload.static
  return { sections: await agent.refreshInventory(p.full ?? false) }
}
