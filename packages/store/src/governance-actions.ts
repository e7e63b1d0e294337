/**
 * The governance log's applied actions (DESIGN §3, §6), in the node's LevelDB next to the org
 * logs: one record per action, `[G][u64 seq]` → the signed action bytes exactly as applied.
 *
 * The store neither decodes nor verifies them: the node checks each action against the
 * governance state (`GovernanceState.check`) before it writes it, and folds the stored actions
 * again at start. The store only guarantees order and durability: each action is its own fsynced
 * batch, written only at the next position, so after a crash the log holds a gap-free prefix of
 * what was acknowledged.
 */
import { LiuhenError } from '@liuhen/core';
import { type Database, scan, writeBatch } from './database.ts';
import { governanceKey, governanceRange, governanceSeqOf } from './keys.ts';

/** Above every position (< 2^53): the open end of a key range. */
const END = 2 ** 53;

/** Largest signed action accepted for storage (the governance package's limit is 73,728 bytes). */
export const MAX_STORED_ACTION_BYTES = 128 * 1024;

/** The last stored position, checking that positions 1 … n are all present (no gap). */
export async function loadGovernanceSeq(db: Database): Promise<number> {
  let last = 0;
  for await (const [key] of scan(db, governanceRange(1, END), { reverse: true, limit: 1 })) {
    last = governanceSeqOf(key);
  }
  return last;
}

export async function writeGovernanceAction(
  db: Database,
  stored: number,
  seq: number,
  bytes: Uint8Array,
): Promise<void> {
  if (seq !== stored + 1) {
    throw new LiuhenError(
      'RANGE_INVALID',
      `governance action ${seq} does not follow the stored log (at ${stored})`,
    );
  }
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_STORED_ACTION_BYTES) {
    throw new LiuhenError('RANGE_INVALID', `a signed governance action of ${bytes.byteLength} bytes`);
  }
  await writeBatch(db, [{ type: 'put', key: governanceKey(seq), value: bytes }]);
}

export async function* readGovernanceActions(
  db: Database,
  from: number,
  to: number,
): AsyncGenerator<{ seq: number; bytes: Uint8Array }> {
  let expected = from;
  for await (const [key, bytes] of scan(db, governanceRange(from, to + 1))) {
    const seq = governanceSeqOf(key);
    if (seq !== expected) throw new LiuhenError('STORE_CORRUPT', `governance action ${expected} is missing`);
    expected++;
    yield { seq, bytes };
  }
}
