// `processes.list`: the busiest processes right now (the device page's live process tab).
import { processesListPayload } from '../../../src/protocol'
import { topProcesses } from '../collectors/services'
import type { CommandHandler } from './types'

export const payload = processesListPayload

export const handler: CommandHandler = async (command) => {
  const p = command.payload as typeof processesListPayload.static
  return topProcesses(p.sortBy ?? 'cpu', p.limit ?? 50)
}
