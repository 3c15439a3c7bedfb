// One writer per policy in this process: a full evaluation and the answers that arrive for it
// (agent checks, check scripts, remediations) each read a device's compliance row, change it
// and write it back, so they take turns instead of overwriting each other's results.
// note: several server processes on one PostgreSQL each have their own lock; an agent's answer
// goes to the process that queued its command, which keeps such overlaps rare.
const chains = new Map<string, Promise<unknown>>()

/** withPolicyLock runs fn after every earlier fn for the same policy has finished. Not re-entrant. */
export async function withPolicyLock<T>(policyId: string, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(policyId) ?? Promise.resolve()
  const run = prev.then(fn, fn)
  const tail = run.catch(() => {})
  chains.set(policyId, tail)
  void tail.then(() => { if (chains.get(policyId) === tail) chains.delete(policyId) })
  return run
}
