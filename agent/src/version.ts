// The agent's version: set at build time (`--define BREEZE_AGENT_VERSION=…`), else the package's.
import pkg from '../../package.json'

declare const BREEZE_AGENT_VERSION: string | undefined

export const agentVersion: string = typeof BREEZE_AGENT_VERSION === 'string' ? BREEZE_AGENT_VERSION : pkg.version
