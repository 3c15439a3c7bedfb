// `breeze-agent enroll`: present the enrollment key and this machine's identity, store the
// answer (agent id, secret, pinned server key) in the config directory, owner-only.
import { PROTOCOL_VERSION, type EnrollResponse } from '../../src/protocol'
import { saveIdentity } from '../config'
import { enrollRequest, normalizeServerUrl } from './api'
import { hardwareId, osBasics, platform } from './collectors/identity'
import { agentVersion } from './version'

export async function enroll(server: string, key: string, configDir: string): Promise<EnrollResponse> {
  const serverUrl = normalizeServerUrl(server)
  const os = await osBasics()
  const res = await enrollRequest(serverUrl, {
    enrollmentKey: key.trim(), hostname: os.hostname, osType: os.osType, osVersion: os.osVersion, osBuild: os.osBuild, architecture: os.architecture,
    platform, agentVersion, protocolVersion: PROTOCOL_VERSION, hardwareId: await hardwareId(),
  })
  saveIdentity(configDir, {
    serverUrl, deviceId: res.deviceId, agentId: res.agentId, secret: res.agentSecret, serverPublicKey: res.serverPublicKey,
    heartbeatSeconds: res.heartbeatSeconds, orgId: res.orgId, siteId: res.siteId, enrolledAt: Date.now(),
  })
  return res
}
