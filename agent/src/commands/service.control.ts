// `service.control`: start, stop, restart a service or set its start type (../system-tools/services).
import { serviceControlPayload, type ServiceControlPayload } from '../../../src/protocol'
import { controlService, ServiceError } from '../system-tools/services'
import type { CommandHandler } from './types'

export const payload = serviceControlPayload

export const handler: CommandHandler = async (command, _io, agent) => {
  try {
    return await controlService(command.payload as ServiceControlPayload)
  } catch (err) {
    if (err instanceof ServiceError) return { status: 'failed', error: err.message }
    throw err
  } finally {
    // Dependent services may have moved too: the watch looks now and sends what changed.
    agent.servicesChanged()
  }
}
