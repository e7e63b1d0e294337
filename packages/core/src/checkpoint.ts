/**
 * C2SP tlog-checkpoints (c2sp.org/tlog-checkpoint): the note text "<origin>\n<tree size>\n
 * <base64 RFC 6962 root hash>\n", then optional non-empty extension lines. Signing is note.ts,
 * cosigning cosignature.ts.
 */
import { fromBase64, toBase64 } from './bytes.ts';
import { LiuhenError } from './errors.ts';
import { HASH_SIZE } from './hash.ts';
import { assertNoteText } from './note.ts';

export interface Checkpoint {
  /**
   * Non-empty. The spec recommends a schema-less URL without spaces or plus but tells clients
   * not to assume it, so neither parsing nor formatting enforces it.
   */
  readonly origin: string;
  /** Number of leaves; a safe integer. */
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions: readonly string[];
}

/** ASCII decimal without leading zeros; "0" is the empty tree. */
const TREE_SIZE = /^(?:0|[1-9][0-9]*)$/;

function malformed(detail: string): never {
  throw new LiuhenError('CHECKPOINT_MALFORMED', detail);
}

export function formatCheckpoint(c: Checkpoint): string {
  if (c.origin === '' || c.origin.includes('\n')) malformed('origin must be one non-empty line');
  if (!Number.isSafeInteger(c.size) || c.size < 0) malformed('size must be a non-negative safe integer');
  if (!(c.rootHash instanceof Uint8Array) || c.rootHash.length !== HASH_SIZE) {
    malformed(`root hash must be ${HASH_SIZE} bytes`);
  }
  if (c.extensions.some((line) => line === '' || line.includes('\n'))) {
    malformed('extension lines must be non-empty single lines');
  }
  const lines = [c.origin, String(c.size), toBase64(c.rootHash), ...c.extensions];
  const text = lines.map((line) => `${line}\n`).join('');
  assertNoteText(text, 'CHECKPOINT_MALFORMED');
  return text;
}

/** Parses a note text (see `parseSignedNote`) as a checkpoint; the inverse of `formatCheckpoint`. */
export function parseCheckpoint(text: string): Checkpoint {
  assertNoteText(text, 'CHECKPOINT_MALFORMED');
  const [origin, sizeLine, rootLine, ...extensions] = text.slice(0, -1).split('\n');
  if (origin === undefined || sizeLine === undefined || rootLine === undefined) {
    malformed('fewer than three lines');
  }
  if (origin === '') malformed('empty origin');
  if (!TREE_SIZE.test(sizeLine)) malformed('tree size is not decimal without leading zeros');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) malformed('tree size beyond 2^53 − 1');
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootLine);
  } catch (cause) {
    throw new LiuhenError('CHECKPOINT_MALFORMED', 'root hash is not canonical padded base64', { cause });
  }
  if (rootHash.length !== HASH_SIZE) malformed(`root hash is not ${HASH_SIZE} bytes`);
  if (extensions.includes('')) malformed('empty extension line');
  return { origin, size, rootHash, extensions };
}
