// WebRTC signaling from agents: an answer or ICE candidate for one viewer's peer arrives on
// the agent's live channel (src/agents/socket.ts) and goes to that viewer's relay socket.
import type { AppContext } from '../context'
import type { RtcSignal } from '../protocol/remote'
import { noteSignal, remoteHub } from './sessions'

/** onAgentSignal passes an agent's signal to the viewer it names, if the session is that agent's. */
export async function onAgentSignal(ctx: AppContext, agent: { id: string }, msg: { sessionId: string; viewer: number; signal: RtcSignal }) {
  const relay = remoteHub(ctx).relays.get(msg.sessionId)
  if (!relay || relay.session.deviceId !== agent.id) return ctx.log.warn('remote signal for a session the agent does not run dropped', { deviceId: agent.id, sessionId: msg.sessionId })
  relay.signalToViewer(msg.viewer, msg.signal)
  if (relay.viewers.get(msg.viewer)?.role === 'control') await noteSignal(ctx, msg.sessionId, msg.signal)
}
