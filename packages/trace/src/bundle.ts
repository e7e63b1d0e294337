/**
 * The bundle (DESIGN §8): everything an inspector needs to verify one object's trace offline,
 * trusting nothing but the genesis hash. It is evidence, not a verdict: every part is carried as
 * the exact bytes or text that was signed or hashed, and `verifyBundle` decides what it proves.
 * docs/protocol.md §13 specifies the binary and JSON forms byte by byte.
 */
import { compareBytes, equalBytes, parseCheckpoint, parseSignedNote, toHex } from '@liuhen/core';
import { TraceError } from './errors.ts';

export const BUNDLE_VERSION = 1;
/** The `type` field of both forms, so a file says what it is. */
export const BUNDLE_TYPE = 'liuhen-bundle';

/** An entry of an org log with its inclusion proof. */
export interface BundleEntry {
  /** Leaf index in the org's log. */
  readonly index: number;
  /** The signed envelope: the leaf bytes. */
  readonly envelope: Uint8Array;
  /** Position in the log's `checkpoints` of the checkpoint the proof leads to. */
  readonly checkpoint: number;
  /** RFC 6962 inclusion proof of leaf `index` in the tree of that checkpoint's size. */
  readonly proof: readonly Uint8Array[];
}

/** A block header of an org log, with the witnesses' cosignatures on it. */
export interface BundleCheckpoint {
  /** Signed note: the checkpoint text, the org's signature line, then cosignature lines. */
  readonly note: string;
  /** Consistency proof from the previous checkpoint of this log to this one; empty for the first. */
  readonly consistency: readonly Uint8Array[];
}

export interface BundleLog {
  readonly org: string;
  /** In ascending tree size. */
  readonly checkpoints: readonly BundleCheckpoint[];
  /** In ascending index: the object's entries, the entries they cite, operator certificates. */
  readonly entries: readonly BundleEntry[];
}

export interface BundleAttachment {
  readonly sha256: Uint8Array;
  readonly data: Uint8Array;
}

export interface Bundle {
  readonly version: typeof BUNDLE_VERSION;
  readonly object: string;
  /** The genesis bytes; their SHA-256 is the network id, the one trust anchor. */
  readonly genesis: Uint8Array;
  /** Signed governance actions (governance's `encodeSignedAction`), positions 1 … n in order. */
  readonly governance: readonly Uint8Array[];
  /** In ascending org id. */
  readonly logs: readonly BundleLog[];
  /** In ascending SHA-256. */
  readonly attachments: readonly BundleAttachment[];
}

/** Limits on a bundle's parts; a decoder refuses more (BUNDLE_LIMIT) before building anything big. */
export interface BundleLimits {
  readonly maxBytes: number;
  readonly maxLogs: number;
  readonly maxCheckpointsPerLog: number;
  readonly maxEntries: number;
  readonly maxGovernanceActions: number;
  readonly maxAttachments: number;
  readonly maxAttachmentBytes: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  maxBytes: 256 * 1024 * 1024,
  maxLogs: 1_024,
  maxCheckpointsPerLog: 100_000,
  maxEntries: 1_000_000,
  maxGovernanceActions: 100_000,
  maxAttachments: 10_000,
  maxAttachmentBytes: 64 * 1024 * 1024,
};

/** An RFC 6962 proof for a tree of up to 2^53 − 1 leaves has at most 53 hashes; 64 leaves room. */
export const MAX_PROOF_HASHES = 64;
/** The largest envelope any network allows: a 1 MiB entry (the genesis limit) plus its framing. */
export const MAX_ENVELOPE_BYTES = (1 << 20) + 80;

/** What `buildBundle` takes: the parts as a store holds them, in any order. */
export interface BundleInput {
  readonly object: string;
  readonly genesis: Uint8Array;
  readonly governance?: readonly Uint8Array[];
  readonly logs: readonly {
    readonly org: string;
    /**
     * Signed notes in ascending tree size, each with the consistency proof from the one before
     * it in this list (the first one's is empty).
     */
    readonly checkpoints: readonly BundleCheckpoint[];
    /** `size` names the checkpoint (by tree size) the inclusion proof leads to. */
    readonly entries: readonly {
      readonly index: number;
      readonly envelope: Uint8Array;
      readonly size: number;
      readonly proof: readonly Uint8Array[];
    }[];
  }[];
  readonly attachments?: readonly BundleAttachment[];
}

function malformed(detail: string): never {
  throw new TraceError('BUNDLE_MALFORMED', detail);
}

function checkpointSize(note: string, where: string): number {
  try {
    return parseCheckpoint(parseSignedNote(note).text).size;
  } catch (cause) {
    throw new TraceError('BUNDLE_MALFORMED', `${where}: not a signed checkpoint`, { cause });
  }
}

/**
 * Builds a bundle from plain inputs — what a node reads from its store — in the one canonical
 * order: logs by org, entries by index, attachments by hash, duplicates merged. It checks only
 * what ordering needs (sizes ascend, a proof names a checkpoint of its log, one envelope per
 * index); whether anything verifies is `verifyBundle`'s question, so a bundle of bad evidence can
 * still be built and shown.
 */
export function buildBundle(input: BundleInput): Bundle {
  const byOrg = new Map<string, BundleInput['logs'][number]>();
  for (const log of input.logs) {
    if (byOrg.has(log.org)) malformed(`two logs of org "${log.org}"`);
    byOrg.set(log.org, log);
  }
  const logs = [...byOrg.values()]
    .sort((a, b) => (a.org < b.org ? -1 : a.org > b.org ? 1 : 0))
    .map((log): BundleLog => {
      const sizes = log.checkpoints.map((c, i) => checkpointSize(c.note, `${log.org} checkpoint ${i}`));
      sizes.forEach((size, i) => {
        if (i > 0 && size <= (sizes[i - 1] as number)) {
          malformed(`${log.org}: checkpoints must be in ascending tree size`);
        }
      });
      const entries = new Map<number, BundleEntry>();
      for (const e of log.entries) {
        const checkpoint = sizes.indexOf(e.size);
        if (checkpoint < 0) malformed(`${log.org} entry ${e.index}: no checkpoint of size ${e.size}`);
        const entry: BundleEntry = { index: e.index, envelope: e.envelope, checkpoint, proof: [...e.proof] };
        const earlier = entries.get(e.index);
        if (earlier !== undefined && !equalBytes(earlier.envelope, e.envelope)) {
          malformed(`${log.org} entry ${e.index}: two different envelopes`);
        }
        // The same leaf twice: keep the proof to the earlier checkpoint, the block that holds it.
        if (earlier === undefined || checkpoint < earlier.checkpoint) entries.set(e.index, entry);
      }
      return {
        org: log.org,
        checkpoints: log.checkpoints.map((c) => ({ note: c.note, consistency: [...c.consistency] })),
        entries: [...entries.values()].sort((a, b) => a.index - b.index),
      };
    });
  const attachments = new Map<string, BundleAttachment>();
  for (const a of input.attachments ?? []) {
    attachments.set(toHex(a.sha256), { sha256: a.sha256, data: a.data });
  }
  return {
    version: BUNDLE_VERSION,
    object: input.object,
    genesis: input.genesis,
    governance: [...(input.governance ?? [])],
    logs,
    attachments: [...attachments.values()].sort((a, b) => compareBytes(a.sha256, b.sha256)),
  };
}
