// `breeze audit verify`: walk the chain from its anchor and name every row that was edited,
// deleted or inserted out of order.
import type { Db } from '../db'
import { genesisHash, rowHash } from './chain'
import { auditRowsAfter, findChainHead } from './repo'

export type VerifyResult = { ok: boolean; checked: number; problems: string[] }

/** verifyAuditChain checks every row's hash and link, reading in pages to bound memory. */
export async function verifyAuditChain(db: Db, key: Uint8Array): Promise<VerifyResult> {
  const head = await findChainHead(db)
  const problems: string[] = []
  let expectedSeq = (head?.anchorSeq ?? 0) + 1
  let prevHash = head?.anchorHash ?? genesisHash
  let checked = 0
  for (;;) {
    const page = await auditRowsAfter(db, expectedSeq - 1, 1000)
    if (page.length === 0) break
    for (const row of page) {
      if (row.seq !== expectedSeq) problems.push(row.seq > expectedSeq ? `rows ${expectedSeq}..${row.seq - 1} are missing (deleted)` : `row ${row.seq} is out of order`)
      if (row.prevHash !== prevHash) problems.push(`row ${row.seq} (${row.id}) does not link to the row before it`)
      if (rowHash(key, row.prevHash, row) !== row.hash) problems.push(`row ${row.seq} (${row.id}, ${row.action}) was modified after it was written`)
      prevHash = row.hash
      expectedSeq = row.seq + 1
      checked++
    }
  }
  if (head && head.lastSeq !== expectedSeq - 1) problems.push(`rows ${expectedSeq}..${head.lastSeq} at the end of the log are missing (deleted)`)
  else if (head && head.lastHash !== prevHash && checked > 0) problems.push(`the last row does not match the recorded chain head`)
  return { ok: problems.length === 0, checked, problems }
}
