// `processes.list`: the live process list of the device page (asked every few seconds while a
// technician has it open; nothing is sent otherwise).
import { processesListPayload } from '../../../src/protocol'
import { listProcesses } from '../system-tools/processes'
import type { CommandHandler } from './types'

export const payload = processesListPayload

export const handler: CommandHandler = async (command) => {
  const p = command.payload as typeof processesListPayload.static
  return listProcesses({ sortBy: p.sortBy, limit: p.limit ?? 50, search: p.search })
}
