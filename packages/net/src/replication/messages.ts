/**
 * The replication wire messages (DESIGN §5; byte layouts in packages/net/README.md). Every message
 * is one deterministic CBOR map (core's `encodeCanonical`) with a `type` text field naming it, so
 * a message of one kind can never be read as another. Decoding is strict: canonical bytes only,
 * exactly the listed keys, size-limited before parsing, headers parsed with `parseBlockHeader`.
 * Failures are NetError NET_MESSAGE_MALFORMED (with the cause attached).
 *
 * Signatures are NOT checked here: decoding says what a message claims, the replicator decides
 * whether to believe it.
 */
import {
  type BlockHeader,
  type CborValue,
  checkpointOrigin,
  DEFAULT_MAX_ENTRY_BYTES,
  decodeCanonical,
  encodeCanonical,
  formatSignedNote,
  isCborMap,
  type NoteSignature,
  ORG_ID,
  parseBlockHeader,
  parseCheckpoint,
  parseSignedNote,
  toHex,
} from '@liuhen/core';
import { NetError } from '../errors.ts';

export const HEADS_PROTOCOL = '/liuhen/heads/1';
export const SYNC_PROTOCOL = '/liuhen/sync/1';
export const COSIGNATURES_PROTOCOL = '/liuhen/cosignatures/1';

/**
 * Sync responses a node produces at once for one peer; one more request is answered
 * NET_PEER_BUSY. Each holds at most a block and a frame or two (frame-stream.ts), so a peer that
 * stops reading pins a few MiB of the responder, never its responses.
 */
export const SYNC_STREAMS_PER_PEER = 4;
/**
 * Sync requests a node has open at once to one peer: fewer than the peer serves, so a stream the
 * peer is still closing never makes an honest request meet NET_PEER_BUSY.
 */
export const SYNC_REQUESTS_PER_PEER = 2;

/** Most block heights one cosignatures request covers. */
export const MAX_COSIGNATURE_HEIGHTS = 256;
/** Largest cosigned-checkpoint frame: a header note with at most 100 signature lines. */
export const MAX_COSIGNED_BYTES = 64 * 1024;

/** At most this many heads in one heads response (one per member org). */
export const MAX_HEADS = 1024;
/** Largest heads response, bytes (it is one frame). */
export const MAX_HEADS_BYTES = 1024 * 1024;
/** Largest sync frame, bytes: the frame limit of the sync protocol. */
export const MAX_SYNC_FRAME_BYTES = 1024 * 1024;
/** Largest block gossip message; a block that does not fit is gossiped as its header alone. */
export const MAX_GOSSIP_BLOCK_BYTES = 1024 * 1024;
/** Largest cosignature or fraud-proof gossip message. */
export const MAX_SMALL_GOSSIP_BYTES = 256 * 1024;

export interface ReplicationTopics {
  readonly blocks: string;
  readonly cosignatures: string;
  readonly fraudProofs: string;
}

/** The three gossip topics of a network: `/liuhen/<network id hex>/{blocks,cosignatures,fraud-proofs}`. */
export function replicationTopics(network: Uint8Array): ReplicationTopics {
  const base = `/liuhen/${toHex(network)}`;
  return {
    blocks: `${base}/blocks`,
    cosignatures: `${base}/cosignatures`,
    fraudProofs: `${base}/fraud-proofs`,
  };
}

export interface SyncRequest {
  readonly org: string;
  /** The requester's log size: the first entry wanted. A block boundary of the responder's log. */
  readonly fromSize: number;
  /** Stop after the block whose header has this size. */
  readonly toSize: number;
}

/** One chunk of one block: entries `offset … offset + entries.length − 1` of the block `header` ends. */
export interface SyncFrame {
  readonly header: BlockHeader;
  readonly offset: number;
  readonly entries: readonly Uint8Array[];
}

export interface GossipBlock {
  readonly header: BlockHeader;
  /** The block's entries, or undefined when only the header was gossiped (the receiver syncs). */
  readonly entries: readonly Uint8Array[] | undefined;
}

export interface GossipCosignature {
  readonly org: string;
  /** The checkpoint text (no signatures). */
  readonly checkpoint: string;
  readonly witness: string;
  readonly signature: NoteSignature;
}

export function malformed(detail: string, cause?: unknown): never {
  throw new NetError('NET_MESSAGE_MALFORMED', detail, cause === undefined ? undefined : { cause });
}

/** A message map of `type` with exactly `keys` (besides `type`), within `maxBytes`. */
export function decodeMap(
  bytes: Uint8Array,
  type: string,
  keys: readonly string[],
  maxBytes: number,
): { [key: string]: CborValue } {
  if (bytes.byteLength > maxBytes) malformed(`${type}: ${bytes.byteLength} > ${maxBytes} bytes`);
  let value: CborValue;
  try {
    value = decodeCanonical(bytes, { maxBytes, maxDepth: 2 });
  } catch (cause) {
    malformed(`${type}: ${(cause as Error).message}`, cause);
  }
  if (!isCborMap(value)) malformed(`${type}: not a map`);
  const present = Object.keys(value).sort();
  const wanted = ['type', ...keys].sort();
  if (present.length !== wanted.length || present.some((k, i) => k !== wanted[i]))
    malformed(`${type}: expected the keys ${wanted.join(', ')}`);
  if (value.type !== type) malformed(`expected a ${type} message, got ${String(value.type)}`);
  return value;
}

function size(value: CborValue | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    malformed(`${what} is not a non-negative integer`);
  return value;
}

function org(value: CborValue | undefined): string {
  if (typeof value !== 'string' || !ORG_ID.test(value)) malformed('org is not an org id');
  return value;
}

function header(value: CborValue | undefined): BlockHeader {
  if (typeof value !== 'string') malformed('header is not text');
  try {
    return parseBlockHeader(value);
  } catch (cause) {
    malformed(`header: ${(cause as Error).message}`, cause);
  }
}

function entries(value: CborValue | undefined, maxEntryBytes: number): Uint8Array[] {
  if (!Array.isArray(value)) malformed('entries is not an array');
  return value.map((e) =>
    e instanceof Uint8Array && e.byteLength <= maxEntryBytes + 96
      ? e
      : malformed('an entry is not a byte string of bounded size'),
  );
}

// ---- heads -------------------------------------------------------------------------------

/** Heads request: `{ "type": "heads-request" }`. */
export function encodeHeadsRequest(): Uint8Array {
  return encodeCanonical({ type: 'heads-request' });
}

export function decodeHeadsRequest(bytes: Uint8Array): void {
  decodeMap(bytes, 'heads-request', [], 64);
}

/** Heads response: `{ "type": "heads", "heads": [signed header note …] }`, one per org, by org id. */
export function encodeHeadsResponse(heads: Iterable<BlockHeader>): Uint8Array {
  const sorted = [...heads].sort((a, b) => (a.org < b.org ? -1 : a.org > b.org ? 1 : 0));
  if (sorted.length > MAX_HEADS) malformed(`more than ${MAX_HEADS} heads`);
  const bytes = encodeCanonical({ type: 'heads', heads: sorted.map((h) => formatSignedNote(h.note)) });
  if (bytes.byteLength > MAX_HEADS_BYTES) malformed(`heads response above ${MAX_HEADS_BYTES} bytes`);
  return bytes;
}

export function decodeHeadsResponse(bytes: Uint8Array): BlockHeader[] {
  const value = decodeMap(bytes, 'heads', ['heads'], MAX_HEADS_BYTES);
  if (!Array.isArray(value.heads) || value.heads.length > MAX_HEADS)
    malformed('heads is not a bounded array');
  const heads = value.heads.map(header);
  for (let i = 1; i < heads.length; i++)
    if ((heads[i - 1] as BlockHeader).org >= (heads[i] as BlockHeader).org)
      malformed('heads are not one per org in ascending org order');
  return heads;
}

// ---- sync --------------------------------------------------------------------------------

/** Sync request: `{ "type": "sync-request", "org": text, "from": uint, "to": uint }`, from < to. */
export function encodeSyncRequest(request: SyncRequest): Uint8Array {
  checkSyncRequest(request);
  return encodeCanonical({
    type: 'sync-request',
    org: request.org,
    from: request.fromSize,
    to: request.toSize,
  });
}

function checkSyncRequest(request: SyncRequest): SyncRequest {
  org(request.org);
  size(request.fromSize, 'from');
  size(request.toSize, 'to');
  if (request.fromSize >= request.toSize) malformed('from must be below to');
  return request;
}

export function decodeSyncRequest(bytes: Uint8Array): SyncRequest {
  const value = decodeMap(bytes, 'sync-request', ['org', 'from', 'to'], 256);
  return checkSyncRequest({
    org: org(value.org),
    fromSize: size(value.from, 'from'),
    toSize: size(value.to, 'to'),
  });
}

/**
 * Sync frame: `{ "type": "sync-frame", "header": signed note, "offset": uint, "entries": [bstr …] }`.
 * `offset + entries.length ≤ header.size` and at least one entry.
 */
export function encodeSyncFrame(frame: SyncFrame): Uint8Array {
  return encodeCanonical({
    type: 'sync-frame',
    header: formatSignedNote(frame.header.note),
    offset: frame.offset,
    entries: [...frame.entries],
  });
}

export function decodeSyncFrame(
  bytes: Uint8Array,
  limits: { maxBytes?: number; maxEntryBytes?: number } = {},
): SyncFrame {
  const value = decodeMap(
    bytes,
    'sync-frame',
    ['header', 'offset', 'entries'],
    limits.maxBytes ?? MAX_SYNC_FRAME_BYTES,
  );
  const frame = {
    header: header(value.header),
    offset: size(value.offset, 'offset'),
    entries: entries(value.entries, limits.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES),
  };
  if (frame.entries.length === 0) malformed('a sync frame carries at least one entry');
  if (frame.offset + frame.entries.length > frame.header.size) malformed('entries run past the header size');
  return frame;
}

// ---- cosignatures ------------------------------------------------------------------------

/**
 * Cosignatures of `org`'s checkpoints at block heights `from … to` (inclusive) by the witnesses
 * named in `missing` (those the requester lacks for some checkpoint of the range).
 */
export interface CosignaturesRequest {
  readonly org: string;
  readonly fromHeight: number;
  readonly toHeight: number;
  readonly missing: readonly string[];
}

/** Most witness names in one cosignatures request (the signature lines a note may carry). */
export const MAX_MISSING_WITNESSES = 100;

/**
 * Cosignatures request: `{ "type": "cosignatures-request", "org": text, "from": uint, "to": uint,
 * "missing": [text …] }`, block heights `1 ≤ from ≤ to < from + 256`, 1 to 100 distinct witness
 * names in ascending order.
 */
export function encodeCosignaturesRequest(request: CosignaturesRequest): Uint8Array {
  checkCosignaturesRequest(request);
  return encodeCanonical({
    type: 'cosignatures-request',
    org: request.org,
    from: request.fromHeight,
    to: request.toHeight,
    missing: [...request.missing],
  });
}

function checkCosignaturesRequest(request: CosignaturesRequest): CosignaturesRequest {
  org(request.org);
  size(request.fromHeight, 'from');
  size(request.toHeight, 'to');
  if (request.fromHeight < 1 || request.toHeight < request.fromHeight)
    malformed('heights must satisfy 1 ≤ from ≤ to');
  if (request.toHeight - request.fromHeight >= MAX_COSIGNATURE_HEIGHTS)
    malformed(`at most ${MAX_COSIGNATURE_HEIGHTS} heights per request`);
  const { missing } = request;
  if (!Array.isArray(missing) || missing.length === 0 || missing.length > MAX_MISSING_WITNESSES)
    malformed(`missing names 1 to ${MAX_MISSING_WITNESSES} witnesses`);
  for (const [i, name] of missing.entries()) {
    if (typeof name !== 'string' || name === '' || name.length > 256 || /[\s+]/.test(name))
      malformed('a witness name is not a key name');
    if (i > 0 && (missing[i - 1] as string) >= name) malformed('missing is not in ascending order');
  }
  return request;
}

export function decodeCosignaturesRequest(bytes: Uint8Array): CosignaturesRequest {
  const value = decodeMap(bytes, 'cosignatures-request', ['org', 'from', 'to', 'missing'], 16 * 1024);
  if (!Array.isArray(value.missing)) malformed('missing is not an array');
  return checkCosignaturesRequest({
    org: org(value.org),
    fromHeight: size(value.from, 'from'),
    toHeight: size(value.to, 'to'),
    missing: value.missing as string[],
  });
}

/**
 * One checkpoint with the cosignatures the responder holds of it: `{ "type": "cosigned",
 * "header": signed note }` — the block header as in sync frames, the org's signature line then the
 * cosignature lines, earliest first.
 */
export function encodeCosigned(header: BlockHeader): Uint8Array {
  const bytes = encodeCanonical({ type: 'cosigned', header: formatSignedNote(header.note) });
  if (bytes.byteLength > MAX_COSIGNED_BYTES) malformed(`cosigned above ${MAX_COSIGNED_BYTES} bytes`);
  return bytes;
}

export function decodeCosigned(bytes: Uint8Array): BlockHeader {
  return header(decodeMap(bytes, 'cosigned', ['header'], MAX_COSIGNED_BYTES).header);
}

// ---- gossip ------------------------------------------------------------------------------

/** Block gossip: `{ "type": "block", "header": signed note, "entries": [bstr …] or null }`. */
export function encodeGossipBlock(block: GossipBlock): Uint8Array {
  return encodeCanonical({
    type: 'block',
    header: formatSignedNote(block.header.note),
    entries: block.entries === undefined ? null : [...block.entries],
  });
}

export function decodeGossipBlock(
  bytes: Uint8Array,
  limits: { maxBytes?: number; maxEntryBytes?: number } = {},
): GossipBlock {
  const value = decodeMap(bytes, 'block', ['header', 'entries'], limits.maxBytes ?? MAX_GOSSIP_BLOCK_BYTES);
  return {
    header: header(value.header),
    entries:
      value.entries === null
        ? undefined
        : entries(value.entries, limits.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES),
  };
}

/** The C2SP signature line of a note signature, with its final newline: "— name base64\n". */
export function signatureLine(checkpoint: string, signature: NoteSignature): string {
  return formatSignedNote({ text: checkpoint, signatures: [signature] }).slice(checkpoint.length + 1);
}

/**
 * Cosignature gossip: `{ "type": "cosignature", "org": text, "checkpoint": text, "witness": text,
 * "signature": text }` — the checkpoint text without signatures, the witness key name, and the
 * witness's one signature line. The checkpoint's origin must be the org's.
 */
export function encodeGossipCosignature(message: GossipCosignature): Uint8Array {
  return encodeCanonical({
    type: 'cosignature',
    org: message.org,
    checkpoint: message.checkpoint,
    witness: message.witness,
    signature: signatureLine(message.checkpoint, message.signature),
  });
}

export function decodeGossipCosignature(bytes: Uint8Array): GossipCosignature {
  const value = decodeMap(
    bytes,
    'cosignature',
    ['org', 'checkpoint', 'witness', 'signature'],
    MAX_SMALL_GOSSIP_BYTES,
  );
  const orgId = org(value.org);
  const { checkpoint, witness, signature } = value;
  if (typeof checkpoint !== 'string' || typeof witness !== 'string' || typeof signature !== 'string')
    malformed('checkpoint, witness and signature must be text');
  let sig: NoteSignature;
  try {
    const origin = parseCheckpoint(checkpoint).origin;
    if (/^liuhen\/[0-9a-f]{64}\/(.+)$/.exec(origin)?.[1] !== orgId) malformed('checkpoint of another org');
    const note = parseSignedNote(`${checkpoint}\n${signature}`, { maxSignatures: 1 });
    if (note.text !== checkpoint) malformed('the signature is not one line');
    sig = note.signatures[0] as NoteSignature;
  } catch (cause) {
    if (cause instanceof NetError) throw cause;
    malformed(`cosignature: ${(cause as Error).message}`, cause);
  }
  if (sig.name !== witness) malformed('the signature line names another witness');
  return { org: orgId, checkpoint, witness, signature: sig };
}

/** The origin a network's org checkpoints carry (re-exported for callers matching cosignatures). */
export { checkpointOrigin };
