// Case-insensitive globs (`*`, `?`, comma-separated alternatives), as alert rules and the
// agent's process watch match names. Shared by the server and the agent.

/** globMatcher compiles a pattern such as `nginx*, httpd` into a test. */
export function globMatcher(pattern: string): (text: string) => boolean {
  const alternatives = pattern.split(',').map((p) => p.trim()).filter(Boolean)
  if (alternatives.length === 0) return () => false
  const source = alternatives.map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')).join('|')
  const re = new RegExp(`^(?:${source})$`, 'i')
  return (text) => re.test(text)
}
