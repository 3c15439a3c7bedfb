// A real SMTP server on a random local port that keeps what it receives.
import { SMTPServer } from 'smtp-server'

export type ReceivedMail = { from: string; to: string[]; raw: string }

export async function startSmtpServer() {
  const messages: ReceivedMail[] = []
  const waiters: (() => void)[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(_auth, _session, cb) { cb(null, { user: 'test' }) },
    onData(stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        messages.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') })
        waiters.splice(0).forEach((w) => w())
        cb()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as { port: number }).port
  return {
    port,
    messages,
    /** next waits for a message matching `to` (up to 10 s). */
    async next(to: string): Promise<ReceivedMail> {
      const deadline = Date.now() + 10_000
      for (;;) {
        const found = messages.find((m) => m.to.includes(to))
        if (found) { messages.splice(messages.indexOf(found), 1); return found }
        if (Date.now() > deadline) throw new Error(`no email to ${to} within 10 s`)
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 200) })
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** mailBody decodes a raw message's text (quoted-printable soft breaks joined). */
export function mailText(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
}
