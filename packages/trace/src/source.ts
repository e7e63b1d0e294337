/**
 * Where a trace comes from. A department node implements this over its store (every method maps
 * onto an index or a Merkle read it already has), a bundle implements it over its own parts
 * (`bundleSource`), and `MemoryLedger` over memory for tests and tools. `assembleBundle` asks a
 * source for exactly what verification needs, so verification never depends on where the
 * evidence came from — and never trusts it either.
 */
import type { NoteSignature } from '@liuhen/core';

/** An envelope at its position in an org log. */
export interface LocatedEnvelope {
  readonly org: string;
  readonly index: number;
  readonly envelope: Uint8Array;
}

export interface TraceSource {
  /** The genesis bytes. */
  genesis(): Promise<Uint8Array>;
  /**
   * The signed governance actions (governance's `encodeSignedAction` bytes) at positions
   * 1 … `upTo`, in order; empty when `upTo` is 0.
   */
  governance(upTo: number): Promise<readonly Uint8Array[]>;
  /** Every entry of the object, in any order. */
  objectEntries(object: string): Promise<readonly LocatedEnvelope[]>;
  /** An entry by id (SHA-256 of its entry bytes), or undefined if the source does not hold it. */
  entry(id: Uint8Array): Promise<LocatedEnvelope | undefined>;
  /** Every `org.operator-appointed` and `org.operator-revoked` entry of the org's log below `below`. */
  operatorRecords(org: string, below: number): Promise<readonly LocatedEnvelope[]>;
  /**
   * The signed note (the org's signature line only) of a checkpoint that holds leaf `index` of
   * the org's log: that of the block holding it, or of the first later one that witnesses
   * cosigned (they cosign only an org's latest checkpoint, protocol §12.8), whose cosignatures
   * then date the entry's witnessing.
   */
  headerCovering(org: string, index: number): Promise<string | undefined>;
  /** The signed note of the org's latest header. */
  latestHeader(org: string): Promise<string | undefined>;
  inclusionProof(org: string, index: number, size: number): Promise<readonly Uint8Array[]>;
  consistencyProof(org: string, size1: number, size2: number): Promise<readonly Uint8Array[]>;
  /** The cosignatures held of one checkpoint (by its text), as note signature lines. */
  cosignatures(org: string, checkpointText: string): Promise<readonly NoteSignature[]>;
  /** An attachment's bytes, when the source holds them and the caller asked for attachments. */
  attachment?(sha256: Uint8Array): Promise<Uint8Array | undefined>;
}
