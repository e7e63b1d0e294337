/**
 * Blocks (docs/protocol.md §7): a batch of new log entries plus the org's new signed header. The
 * header is a C2SP tlog-checkpoint whose extension lines chain it to the previous header and
 * record the block height, the cut time and the governance position it was validated against.
 */
import { equalBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from './bytes.ts';
import { type CborValue, decodeCanonical, encodeCanonical, isCborMap } from './cbor.ts';
import { formatCheckpoint, parseCheckpoint } from './checkpoint.ts';
import { DEFAULT_MAX_ENTRY_BYTES, ORG_ID, openEnvelope } from './entry.ts';
import { LiuhenError } from './errors.ts';
import { sha256 } from './hash.ts';
import { leafHash, MerkleFrontier, type PerfectNode } from './merkle.ts';
import {
  ed25519Verifier,
  formatSignedNote,
  type NoteVerifier,
  parseSignedNote,
  type SignedNote,
  signNoteEd25519,
  verifyNote,
} from './note.ts';

export const ZERO_HASH = new Uint8Array(32);
export const DEFAULT_MAX_BLOCK_ENTRIES = 10_000;

export interface GovernancePosition {
  /** Number of governance actions applied (0 = the genesis alone). */
  readonly seq: number;
  /** Hash of the last applied action, or of the genesis when seq = 0. */
  readonly hash: Uint8Array;
}

export interface BlockHeader {
  readonly network: Uint8Array;
  readonly org: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly height: number;
  /** Hash of the previous header's checkpoint text; 32 zero bytes at height 1. */
  readonly previous: Uint8Array;
  /** When the block was cut, milliseconds since the Unix epoch. */
  readonly time: number;
  readonly governance: GovernancePosition;
  /** The checkpoint text: what the org signs, what witnesses cosign, what `headerHash` hashes. */
  readonly text: string;
  /** The signed note: `text` with the org's signature and any cosignatures collected. */
  readonly note: SignedNote;
}

export interface Block {
  readonly header: BlockHeader;
  /** Entry envelopes in log order: leaves `header.size − envelopes.length` … `header.size − 1`. */
  readonly envelopes: readonly Uint8Array[];
}

export function checkpointOrigin(network: Uint8Array, org: string): string {
  return `liuhen/${toHex(network)}/${org}`;
}

/** The note verifier for an org's checkpoints: key name = origin, Ed25519 org node key. */
export function orgCheckpointVerifier(network: Uint8Array, org: string, nodeKey: Uint8Array): NoteVerifier {
  return ed25519Verifier(checkpointOrigin(network, org), nodeKey);
}

export function headerHash(header: Pick<BlockHeader, 'text'>): Uint8Array {
  return sha256(utf8(header.text));
}

function malformed(problem: string): never {
  throw new LiuhenError('BLOCK_MALFORMED', problem);
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

function decimal(text: string | undefined, what: string): number {
  if (text === undefined || !DECIMAL.test(text) || !Number.isSafeInteger(Number(text))) {
    malformed(`${what} is not a canonical decimal`);
  }
  return Number(text);
}

function hash32(text: string | undefined, what: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = text === undefined ? undefined : fromBase64(text);
  } catch {
    bytes = undefined;
  }
  if (bytes?.length !== 32) malformed(`${what} is not a base64 SHA-256 hash`);
  return bytes;
}

/** Our four extension lines, in this order and no others. */
function headerExtensions(
  h: Omit<BlockHeader, 'text' | 'note' | 'network' | 'org' | 'size' | 'root'>,
): string[] {
  return [
    `height ${h.height}`,
    `previous ${toBase64(h.previous)}`,
    `time ${h.time}`,
    `governance ${h.governance.seq} ${toBase64(h.governance.hash)}`,
  ];
}

/** Parses a signed header note strictly. Signatures are not checked here: see `verifyHeaderSignature`. */
export function parseBlockHeader(note: string | Uint8Array): BlockHeader {
  const signed = parseSignedNote(note);
  const checkpoint = parseCheckpoint(signed.text);
  const match = /^liuhen\/([0-9a-f]{64})\/(.+)$/.exec(checkpoint.origin);
  if (!match || !ORG_ID.test(match[2] as string)) malformed('origin is not liuhen/<network id>/<org>');
  const [height, previous, time, governance] = checkpoint.extensions.map((line) => line.split(' '));
  if (checkpoint.extensions.length !== 4) malformed('expected exactly 4 extension lines');
  if (height?.[0] !== 'height' || height.length !== 2) malformed('line 4 is not "height N"');
  if (previous?.[0] !== 'previous' || previous.length !== 2) malformed('line 5 is not "previous HASH"');
  if (time?.[0] !== 'time' || time.length !== 2) malformed('line 6 is not "time MS"');
  if (governance?.[0] !== 'governance' || governance.length !== 3)
    malformed('line 7 is not "governance SEQ HASH"');
  const header: BlockHeader = {
    network: fromHex(match[1] as string),
    org: match[2] as string,
    size: checkpoint.size,
    root: checkpoint.rootHash,
    height: decimal(height[1], 'height'),
    previous: hash32(previous[1], 'previous'),
    time: decimal(time[1], 'time'),
    governance: {
      seq: decimal(governance[1], 'governance seq'),
      hash: hash32(governance[2], 'governance hash'),
    },
    text: signed.text,
    note: signed,
  };
  if (header.height < 1) malformed('height starts at 1');
  // Reject any alternative spelling, so one header has exactly one text.
  if (formatCheckpoint({ ...checkpoint, extensions: headerExtensions(header) }) !== signed.text) {
    malformed('header text is not in canonical form');
  }
  return header;
}

/** Checks the org's own signature on a header, under the org's node key; NOTE_UNSIGNED if absent or bad. */
export function verifyHeaderSignature(header: BlockHeader, nodeKey: Uint8Array): void {
  const verifier = orgCheckpointVerifier(header.network, header.org, nodeKey);
  verifyNote(header.note, [verifier]);
}

/** A header extends its predecessor: same log, next height, hash link, no shrinking, no time travel. */
export function checkHeaderExtends(previous: BlockHeader | undefined, next: BlockHeader): void {
  const broken = (problem: string): never => {
    throw new LiuhenError('BLOCK_CHAIN_BROKEN', problem);
  };
  if (previous === undefined) {
    if (next.height !== 1) broken(`first block must have height 1, not ${next.height}`);
    if (!equalBytes(next.previous, ZERO_HASH)) broken('first block must link to the zero hash');
    return;
  }
  if (!equalBytes(next.network, previous.network) || next.org !== previous.org) broken('different log');
  if (next.height !== previous.height + 1) broken(`height ${next.height} does not follow ${previous.height}`);
  if (!equalBytes(next.previous, headerHash(previous))) broken('previous-header hash does not match');
  if (next.size <= previous.size) broken(`size ${next.size} does not grow from ${previous.size}`);
  if (next.time < previous.time) broken('time goes backwards');
  if (next.governance.seq < previous.governance.seq) broken('governance position goes backwards');
}

/** What a verifier of one org log carries from block to block: O(log n) hashes, no entries. */
export interface LogState {
  readonly header: BlockHeader | undefined;
  readonly frontier: MerkleFrontier;
}

export function emptyLogState(): LogState {
  return { header: undefined, frontier: MerkleFrontier.empty() };
}

export interface CutBlockOptions {
  readonly network: Uint8Array;
  readonly org: string;
  /** The org node key's seed. */
  readonly seed: Uint8Array;
  readonly time: number;
  readonly governance: GovernancePosition;
}

/**
 * Appends envelopes to a log and signs the new header. Callers have validated the entries.
 * `nodes` are the perfect Merkle nodes the new leaves complete, for a store to persist.
 */
export function cutBlock(
  state: LogState,
  envelopes: readonly Uint8Array[],
  options: CutBlockOptions,
): { block: Block; state: LogState; nodes: PerfectNode[] } {
  if (envelopes.length === 0) throw new LiuhenError('BLOCK_MALFORMED', 'a block needs at least one entry');
  const frontier = state.frontier.clone();
  const nodes = envelopes.flatMap((envelope) => frontier.append(leafHash(envelope)));
  const height = (state.header?.height ?? 0) + 1;
  const previous = state.header ? headerHash(state.header) : ZERO_HASH;
  const time = Math.max(options.time, state.header?.time ?? 0);
  const origin = checkpointOrigin(options.network, options.org);
  const text = formatCheckpoint({
    origin,
    size: frontier.size,
    rootHash: frontier.root(),
    extensions: headerExtensions({ height, previous, time, governance: options.governance }),
  });
  const note: SignedNote = { text, signatures: [signNoteEd25519(text, origin, options.seed)] };
  const header = parseBlockHeader(formatSignedNote(note));
  return { block: { header, envelopes }, state: { header, frontier }, nodes };
}

export interface ApplyBlockOptions {
  /** The org node key the header must be signed with. */
  readonly nodeKey: Uint8Array;
  readonly maxEntryBytes?: number;
  /**
   * Verify every entry's encoding, network, org and signature (default true). A caller that has
   * verified the entries elsewhere — in worker threads, say — passes false.
   */
  readonly verifyEntries?: boolean;
}

/**
 * Verifies a block against the log state it claims to extend and returns the new state:
 * header signature, hash chain, entry count, every entry, and the Merkle root.
 */
export function applyBlock(state: LogState, block: Block, options: ApplyBlockOptions): LogState {
  const { header, envelopes } = block;
  verifyHeaderSignature(header, options.nodeKey);
  checkHeaderExtends(state.header, header);
  if (header.size - state.frontier.size !== envelopes.length) {
    throw new LiuhenError(
      'BLOCK_MALFORMED',
      `header grows the log by ${header.size - state.frontier.size} but the block has ${envelopes.length} entries`,
    );
  }
  const frontier = state.frontier.clone();
  for (const [i, envelope] of envelopes.entries()) {
    if (options.verifyEntries !== false) {
      const opened = openEnvelope(envelope, {
        network: header.network,
        maxBytes: options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES,
      });
      if (opened.entry.org !== header.org) {
        throw new LiuhenError(
          'BLOCK_MALFORMED',
          `entry ${state.frontier.size + i} belongs to org ${opened.entry.org}`,
        );
      }
    }
    frontier.append(leafHash(envelope));
  }
  if (!equalBytes(frontier.root(), header.root)) throw new LiuhenError('BLOCK_ROOT_MISMATCH');
  return { header, frontier };
}

/** Wire form: CBOR map { "header": signed note text, "entries": [envelope bytes …] }. */
export function encodeBlock(block: Block): Uint8Array {
  return encodeCanonical({ header: formatSignedNote(block.header.note), entries: [...block.envelopes] });
}

export function decodeBlock(
  bytes: Uint8Array,
  limits: { maxEntries?: number; maxEntryBytes?: number } = {},
): Block {
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_BLOCK_ENTRIES;
  const maxEntryBytes = limits.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  let value: CborValue;
  try {
    value = decodeCanonical(bytes, { maxBytes: 8192 + maxEntries * (maxEntryBytes + 96), maxDepth: 2 });
  } catch (error) {
    throw new LiuhenError('BLOCK_MALFORMED', (error as Error).message, { cause: error });
  }
  if (!isCborMap(value) || Object.keys(value).length !== 2) malformed('expected { header, entries }');
  const { header, entries } = value;
  if (typeof header !== 'string') malformed('header is not text');
  if (!Array.isArray(entries) || entries.length > maxEntries) malformed('entries is not a bounded array');
  const envelopes = entries.map((e) =>
    e instanceof Uint8Array ? e : malformed('an entry is not a byte string'),
  );
  return { header: parseBlockHeader(header), envelopes };
}

/** Adds cosignature lines to a header's note, e.g. after witnesses have signed. */
export function withSignatures(header: BlockHeader, signatures: SignedNote['signatures']): BlockHeader {
  return { ...header, note: { text: header.text, signatures: [...header.note.signatures, ...signatures] } };
}
