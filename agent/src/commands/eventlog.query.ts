// `eventlog.query`: a page of the machine's event log for the device page (see ../system-tools/eventlogs).
import { eventLogQueryPayload, type EventLogQueryPayload } from '../../../src/protocol'
import { queryEventLog } from '../system-tools/eventlogs'
import type { CommandHandler } from './types'

export const payload = eventLogQueryPayload

export const handler: CommandHandler = async (command) => queryEventLog(command.payload as EventLogQueryPayload)
