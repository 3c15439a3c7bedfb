// `remote.open`: run one remote session (terminal, files, desktop) until it ends; cancelling
// the command ends it (the shell is gone within seconds). See ../remote/session.ts.
import { remoteOpenPayload, type RemoteOpenPayload } from '../../../src/protocol/remote'
import type { CommandHandler } from './types'

export const payload = remoteOpenPayload

export const handler: CommandHandler = async (command, io) => {
  // note: the Reflect metadata polyfill must be in place before werift's certificate code
  // (@peculiar/x509 → tsyringe) initialises; the bundler's lazy module order does not
  // guarantee it, so it is loaded first and the session code after it.
  await import('reflect-metadata')
  ;(await import('../remote/udp-guard')).guardUdpSockets()
  const { RemoteSession } = await import('../remote/session')
  const end = await new RemoteSession(command.payload as RemoteOpenPayload).run(io.signal)
  return { reason: end.reason, exitCode: end.exitCode ?? null, shell: end.shell ?? null }
}
