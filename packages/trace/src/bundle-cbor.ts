/**
 * The bundle's canonical binary form (docs/protocol.md §13.2): one deterministic CBOR map. The
 * decoder is strict like every Liuhen decoder — canonical bytes, exactly the listed keys, parts in
 * their one order, limits on every count — so one bundle has one encoding, and any other input
 * fails with a TraceError that names the part.
 */
import {
  type CborMap,
  type CborValue,
  compareBytes,
  DEFAULT_MAX_NOTE_BYTES,
  decodeCanonical,
  encodeCanonical,
  isCborMap,
  utf8,
} from '@liuhen/core';
import { MAX_GENESIS_BYTES, MAX_SIGNED_ACTION_BYTES } from '@liuhen/governance';
import {
  BUNDLE_TYPE,
  BUNDLE_VERSION,
  type Bundle,
  type BundleAttachment,
  type BundleCheckpoint,
  type BundleEntry,
  type BundleLimits,
  type BundleLog,
  DEFAULT_BUNDLE_LIMITS,
  MAX_ENVELOPE_BYTES,
  MAX_PROOF_HASHES,
} from './bundle.ts';
import { TraceError } from './errors.ts';

/** Top map → logs → log → entries → entry → proof: six levels of arrays and maps. */
const MAX_DEPTH = 6;
const MAX_OBJECT_CHARS = 256;

export function encodeBundle(bundle: Bundle): Uint8Array {
  const map: CborMap = {
    type: BUNDLE_TYPE,
    version: bundle.version,
    object: bundle.object,
    genesis: bundle.genesis,
    governance: [...bundle.governance],
    logs: bundle.logs.map((log) => ({
      org: log.org,
      checkpoints: log.checkpoints.map((c) => ({ note: c.note, consistency: [...c.consistency] })),
      entries: log.entries.map((e) => ({
        index: e.index,
        envelope: e.envelope,
        checkpoint: e.checkpoint,
        proof: [...e.proof],
      })),
    })),
    attachments: bundle.attachments.map((a) => ({ sha256: a.sha256, data: a.data })),
  };
  return encodeCanonical(map);
}

function fail(
  path: string,
  problem: string,
  code: 'BUNDLE_MALFORMED' | 'BUNDLE_LIMIT' = 'BUNDLE_MALFORMED',
): never {
  throw new TraceError(code, `${path}: ${problem}`);
}

function map(value: CborValue | undefined, path: string, keys: readonly string[]): CborMap {
  if (!isCborMap(value)) fail(path, 'expected a map');
  const present = Object.keys(value);
  for (const key of present) if (!keys.includes(key)) fail(path, `unknown key "${key}"`);
  for (const key of keys) if (!Object.hasOwn(value, key)) fail(path, `missing key "${key}"`);
  return value;
}

function list(value: CborValue | undefined, path: string, max: number): CborValue[] {
  if (!Array.isArray(value)) fail(path, 'expected an array');
  if (value.length > max) fail(path, `more than ${max} items`, 'BUNDLE_LIMIT');
  return value;
}

function bytes(value: CborValue | undefined, path: string, max: number, exact?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(path, 'expected a byte string');
  if (exact !== undefined && value.length !== exact) fail(path, `expected ${exact} bytes`);
  if (value.length > max) fail(path, `more than ${max} bytes`, 'BUNDLE_LIMIT');
  return value;
}

function uint(value: CborValue | undefined, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    fail(path, 'expected an unsigned integer');
  return value;
}

function text(value: CborValue | undefined, path: string, maxBytes: number): string {
  if (typeof value !== 'string' || value.length === 0) fail(path, 'expected non-empty text');
  if (value.length > maxBytes || utf8(value).length > maxBytes) fail(path, `more than ${maxBytes} bytes`);
  return value;
}

function hashes(value: CborValue | undefined, path: string): Uint8Array[] {
  return list(value, path, MAX_PROOF_HASHES).map((h, i) => bytes(h, `${path}[${i}]`, 32, 32));
}

function ascending<T>(items: readonly T[], path: string, order: (a: T, b: T) => number, what: string): void {
  for (let i = 1; i < items.length; i++) {
    if (order(items[i - 1] as T, items[i] as T) >= 0)
      fail(`${path}[${i}]`, `not in strictly ascending ${what}`);
  }
}

function readLog(
  value: CborValue,
  path: string,
  limits: BundleLimits,
  budget: { entries: number },
): BundleLog {
  const m = map(value, path, ['org', 'checkpoints', 'entries']);
  const org = text(m.org, `${path}.org`, 64);
  const checkpoints = list(m.checkpoints, `${path}.checkpoints`, limits.maxCheckpointsPerLog).map(
    (c, i): BundleCheckpoint => {
      const p = `${path}.checkpoints[${i}]`;
      const cm = map(c, p, ['note', 'consistency']);
      return {
        note: text(cm.note, `${p}.note`, DEFAULT_MAX_NOTE_BYTES),
        consistency: hashes(cm.consistency, `${p}.consistency`),
      };
    },
  );
  const rawEntries = list(m.entries, `${path}.entries`, limits.maxEntries);
  budget.entries += rawEntries.length;
  if (budget.entries > limits.maxEntries)
    fail(`${path}.entries`, `more than ${limits.maxEntries} entries in all`, 'BUNDLE_LIMIT');
  const entries = rawEntries.map((e, i): BundleEntry => {
    const p = `${path}.entries[${i}]`;
    const em = map(e, p, ['index', 'envelope', 'checkpoint', 'proof']);
    const checkpoint = uint(em.checkpoint, `${p}.checkpoint`);
    if (checkpoint >= checkpoints.length) fail(`${p}.checkpoint`, `no checkpoint ${checkpoint} in this log`);
    return {
      index: uint(em.index, `${p}.index`),
      envelope: bytes(em.envelope, `${p}.envelope`, MAX_ENVELOPE_BYTES),
      checkpoint,
      proof: hashes(em.proof, `${p}.proof`),
    };
  });
  ascending(entries, `${path}.entries`, (a, b) => a.index - b.index, 'index');
  return { org, checkpoints, entries };
}

/** Reads the binary form. Every failure is a TraceError: BUNDLE_TOO_LARGE, BUNDLE_VERSION, BUNDLE_LIMIT or BUNDLE_MALFORMED. */
export function decodeBundle(input: Uint8Array, limits: Partial<BundleLimits> = {}): Bundle {
  const l: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS, ...limits };
  if (!(input instanceof Uint8Array)) throw new TraceError('BUNDLE_MALFORMED', 'input is not bytes');
  if (input.length > l.maxBytes) {
    throw new TraceError('BUNDLE_TOO_LARGE', `${input.length} bytes exceeds the limit of ${l.maxBytes}`);
  }
  let value: CborValue;
  try {
    value = decodeCanonical(input, { maxBytes: l.maxBytes, maxDepth: MAX_DEPTH });
  } catch (cause) {
    throw new TraceError('BUNDLE_MALFORMED', `not deterministic CBOR: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (!isCborMap(value)) fail('bundle', 'expected a map');
  // The version first, so a newer bundle gets a clear answer rather than a shape complaint.
  if (value.type !== BUNDLE_TYPE) fail('bundle.type', `expected "${BUNDLE_TYPE}"`);
  if (value.version !== BUNDLE_VERSION) {
    throw new TraceError(
      'BUNDLE_VERSION',
      `version ${String(value.version)}; this reader knows ${BUNDLE_VERSION}`,
    );
  }
  const m = map(value, 'bundle', [
    'type',
    'version',
    'object',
    'genesis',
    'governance',
    'logs',
    'attachments',
  ]);
  const budget = { entries: 0 };
  const logs = list(m.logs, 'logs', l.maxLogs).map((log, i) => readLog(log, `logs[${i}]`, l, budget));
  ascending(logs, 'logs', (a, b) => (a.org < b.org ? -1 : a.org > b.org ? 1 : 0), 'org');
  let attachmentBytes = 0;
  const attachments = list(m.attachments, 'attachments', l.maxAttachments).map((a, i): BundleAttachment => {
    const p = `attachments[${i}]`;
    const am = map(a, p, ['sha256', 'data']);
    const data = bytes(am.data, `${p}.data`, l.maxAttachmentBytes);
    attachmentBytes += data.length;
    if (attachmentBytes > l.maxAttachmentBytes)
      fail(p, `attachments exceed ${l.maxAttachmentBytes} bytes in all`, 'BUNDLE_LIMIT');
    return { sha256: bytes(am.sha256, `${p}.sha256`, 32, 32), data };
  });
  ascending(attachments, 'attachments', (a, b) => compareBytes(a.sha256, b.sha256), 'sha256');
  const object = text(m.object, 'object', MAX_OBJECT_CHARS * 4);
  if ([...object].length > MAX_OBJECT_CHARS) fail('object', `more than ${MAX_OBJECT_CHARS} characters`);
  return {
    version: BUNDLE_VERSION,
    object,
    genesis: bytes(m.genesis, 'genesis', MAX_GENESIS_BYTES),
    governance: list(m.governance, 'governance', l.maxGovernanceActions).map((g, i) =>
      bytes(g, `governance[${i}]`, MAX_SIGNED_ACTION_BYTES),
    ),
    logs,
    attachments,
  };
}
