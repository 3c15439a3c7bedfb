// The agent wire protocol, imported by the server (src/agents) and the agent (agent/).
// Only TypeBox schemas, types and pure helpers live here. Described in docs/agent-protocol.md.
export * from './limits'
export * from './enroll'
export * from './heartbeat'
export * from './inventory'
export * from './commands'
export * from './messages'
export * from './device-actions'
export * from './results'
