// Where an installed agent lives on each system.
import path from 'node:path'
import { env } from '../../config'

export const serviceName = 'breeze-agent'
export const windowsServiceName = 'BreezeAgent'
export const launchdLabel = 'com.breeze.agent'

/** installedExecutable: /usr/local/bin/breeze-agent, or %ProgramFiles%\Breeze\breeze-agent.exe (BREEZE_INSTALL_DIR overrides the folder). */
export function installedExecutable(): string {
  if (process.platform === 'win32') return path.join(env.installDir ?? path.join(env.programFiles, 'Breeze'), 'breeze-agent.exe')
  return path.join(env.installDir ?? '/usr/local/bin', 'breeze-agent')
}
