/**
 * The shapes the client takes and returns. Entry bodies are typed by the pipe/1 profile: for each
 * kind, `PipeBody<K>` is the type its zod schema in @liuhen/profile-pipe describes, so a body with
 * a misspelt field, a quantity under the wrong unit's name or a value of the wrong type does not
 * compile.
 */
import type { Classification, EntryJson, SignedEntry } from '@liuhen/core';
import type { BodyOf, KindName, Role } from '@liuhen/profile-pipe';

/** Every entry kind of pipe/1, e.g. `construction.joint-made`. */
export type PipeKind = KindName;
/** The body of a pipe/1 kind, as its schema defines it. */
export type PipeBody<K extends PipeKind> = BodyOf<K>;
/** The operator roles of pipe/1 (`QI`, `SE`, `PM` …). */
export type PipeRole = Role;

/** A 32-byte hash or id, as 64 lowercase hex characters (as the API writes them) or bytes. */
export type Hash32 = string | Uint8Array;

export type RefInput =
  | { readonly entry: Hash32; readonly rel?: string }
  | { readonly object: string; readonly rel?: string };

export interface AttachmentInput {
  /** SHA-256 of the bytes, as `uploadBlob` returns it. */
  readonly sha256: Hash32;
  readonly size: number;
  /** Media type, e.g. `image/jpeg`. */
  readonly type: string;
  /** File name shown to inspectors, 1–256 characters. */
  readonly name: string;
}

/** What the caller writes to append an entry of kind `K`; the client fills in the rest. */
export interface EntryDraft<K extends PipeKind = PipeKind> {
  readonly object: string;
  readonly kind: K;
  readonly role: PipeRole;
  readonly body: PipeBody<K>;
  /** Claimed time of the recorded act, ms since the epoch. Default: now. */
  readonly time?: number;
  /** The object's DAG heads the entry follows. Default: the heads the node reports now. */
  readonly parents?: readonly Hash32[];
  readonly refs?: readonly RefInput[];
  readonly attachments?: readonly AttachmentInput[];
  /** Default `public`. */
  readonly classification?: Classification;
}

/** The node's acknowledgement: the entry is durable in the org's log at `index`, in block `height`. */
export interface Ack {
  readonly id: string;
  readonly org: string;
  readonly index: number;
  readonly height: number;
  /**
   * Profile rules the entry breaks that the network records rather than refuses (e.g. a
   * deadline missed): the entry is in the log, and inspectors will see the finding.
   */
  readonly flags?: readonly AckFlag[];
}

export interface AckFlag {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly [more: string]: unknown;
}

/** `append`'s answer: the acknowledgement and the signed entry exactly as sent. */
export interface Appended extends Ack {
  readonly signed: SignedEntry;
}

export interface NodeStatus {
  readonly org: string;
  /** The network id, hex. */
  readonly network: string;
  readonly nodeKey: string;
  readonly log: { readonly size: number; readonly height: number; readonly pending: number };
  readonly checkpoint: string | null;
  readonly governance: { readonly seq: number; readonly head: string };
  readonly version: string;
  readonly [more: string]: unknown;
}

export interface UploadedBlob {
  /** SHA-256 of the bytes, hex: computed here while streaming, and equal to the node's. */
  readonly sha256: string;
  readonly size: number;
}

/** One entry of an object's trace, as the node lists it. */
export interface TraceEntry {
  readonly id: string;
  readonly org: string;
  readonly index: number;
  readonly entry: EntryJson;
  /**
   * What the token may see of the entry, where the node scopes reads by clearance (restricted
   * fields are shown only when cleared and readable, protocol §15.7).
   */
  readonly view?: Readonly<Record<string, unknown>>;
}

export interface ObjectTrace {
  readonly object: string;
  /** The object's DAG heads, hex. */
  readonly heads: readonly string[];
  /** Committed entries in causal order. */
  readonly entries: readonly TraceEntry[];
}

export interface InclusionProof {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly hashes: readonly string[];
  /** The signed header (C2SP checkpoint note) of the block that included the entry. */
  readonly checkpoint: string;
}

export interface EntryRecord extends TraceEntry {
  /** The envelope bytes: checked here to hash to `id` and to carry a valid signature. */
  readonly envelope: Uint8Array;
  readonly signed: SignedEntry;
  /** With `{ proof: true }`: checked here to lead from the envelope to the checkpoint's root. */
  readonly proof?: InclusionProof;
  /**
   * With a proof: whether the checkpoint's signature was checked against the org's node key
   * from the trusted genesis (false when the client has no genesis or the org's key is not the
   * genesis one: an org added or a key rotated by governance; verify a bundle for those).
   */
  readonly checkpointVerified?: boolean;
  /** First-witnessed time and late recording, when the node replicates. */
  readonly witness?: unknown;
}

export type EntryQuery = (
  | { readonly kind: string }
  | { readonly signer: Hash32 }
  | { readonly from?: number; readonly to?: number }
) & {
  /** 1–1000, default 100. */
  readonly limit?: number;
  /** Continue after this entry id (the last of the previous page). */
  readonly after?: Hash32;
};

export interface EntryLocation {
  readonly id: string;
  readonly org: string;
  readonly index: number;
}
