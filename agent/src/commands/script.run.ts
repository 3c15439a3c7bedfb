// `script.run`: run a library script (issue 4) with its parameters as environment variables,
// streaming output and killing the process tree on timeout or cancel (see ../scripts/run-script).
import { scriptRunPayload, type ScriptRunPayload } from '../../../src/protocol/scripts'
import { runScript } from '../scripts/run-script'
import type { CommandHandler } from './types'

export const payload = scriptRunPayload

export const handler: CommandHandler = async (command, io) => {
  const { language, content, parameters, timeoutSeconds, runAs, maxOutputBytes } = command.payload as ScriptRunPayload
  return runScript({ language, content, parameters, timeoutSeconds, runAs, maxOutputBytes }, io)
}
