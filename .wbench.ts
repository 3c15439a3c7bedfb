import { RTCPeerConnection } from 'werift'
const a = new RTCPeerConnection({}); const b = new RTCPeerConnection({})
a.onIceCandidate.subscribe((c) => { if (c) b.addIceCandidate(c) }); b.onIceCandidate.subscribe((c) => { if (c) a.addIceCandidate(c) })
const dc = a.createDataChannel('t', { ordered: true })
let got = 0; const total = 64 * 1024 * 1024; const t0 = { v: 0 }
b.onDataChannel.subscribe((ch) => ch.onMessage.subscribe((m) => { got += (m as Buffer).length; if (got >= total) { console.log('MiB/s', (total / 1048576) / ((performance.now() - t0.v) / 1000)); process.exit(0) } }))
dc.bufferedAmountLowThreshold = 1 << 20
dc.stateChanged.subscribe(async (s) => { if (s !== 'open') return; t0.v = performance.now(); const chunk = Buffer.alloc(Number(process.env.CHUNK ?? 60000)); let sent = 0
  while (sent < total) { if (dc.bufferedAmount > 4 << 20) { await new Promise((r) => { const sub = dc.bufferedAmountLow.subscribe(() => { sub.unSubscribe(); r(null) }) }) } dc.send(chunk); sent += chunk.length } })
const offer = await a.createOffer(); await a.setLocalDescription(offer); await b.setRemoteDescription(a.localDescription!); const ans = await b.createAnswer(); await b.setLocalDescription(ans); await a.setRemoteDescription(b.localDescription!)
setTimeout(() => { console.log('timeout got', got / 1048576); process.exit(1) }, 60000)
