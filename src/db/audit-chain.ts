// Checks the audit log's hash chain (see the audit_hash_chain migration): every
// row's prev_hash must be the hash of the row before it, and its hash must be
// what its own content and prev_hash give. The database recomputes each hash
// with the same function the insert trigger used, so the check and the writer
// cannot disagree about how a row is hashed.
import type { Db } from './client';

export interface AuditChainReport {
  /** Rows checked. */
  rows: number;
  ok: boolean;
  /** The first row where the chain breaks: changed (its hash no longer matches), or after a removed row. */
  firstBroken?: { chainSeq: number; eventId: string; reason: 'content changed' | 'previous row missing or changed' };
}

interface ChainRow {
  chain_seq: bigint;
  event_id: string;
  prev_ok: boolean;
  hash_ok: boolean;
  seq_ok: boolean;
}

export async function verifyAuditChain(db: Db): Promise<AuditChainReport> {
  const rows = await db.$queryRaw<ChainRow[]>`
    SELECT chain_seq, event_id,
      prev_hash = lag(hash, 1, '') OVER w AS prev_ok,
      hash = audit_event_hash(prev_hash, audit_event_content(a)) AS hash_ok,
      chain_seq = lag(chain_seq, 1, 0::bigint) OVER w + 1 AS seq_ok
    FROM audit_events a
    WINDOW w AS (ORDER BY chain_seq)
    ORDER BY chain_seq`;
  for (const row of rows) {
    if (row.hash_ok && row.prev_ok && row.seq_ok) continue;
    const reason = row.hash_ok ? 'previous row missing or changed' : 'content changed';
    return { rows: rows.length, ok: false, firstBroken: { chainSeq: Number(row.chain_seq), eventId: row.event_id, reason } };
  }
  return { rows: rows.length, ok: true };
}
