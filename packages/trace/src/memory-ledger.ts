/**
 * A whole network's logs in memory, built with core alone: blocks cut with `cutBlock`, trees in
 * `MemoryMerkleTree`, cosignatures with `cosign`. It is a `TraceSource`, so tests, benchmarks and
 * demos make bundles exactly as a node would, without a daemon or a disk.
 */
import {
  type BlockHeader,
  cosign,
  cutBlock,
  decodeEntry,
  decodeEnvelope,
  emptyLogState,
  entryId,
  formatSignedNote,
  type GovernancePosition,
  type LogState,
  MemoryMerkleTree,
  type NoteSignature,
  sha256,
  toHex,
} from '@liuhen/core';
import { networkId, OPERATOR_APPOINTED, OPERATOR_REVOKED } from '@liuhen/governance';
import type { LocatedEnvelope, TraceSource } from './source.ts';

interface MemoryLog {
  readonly envelopes: Uint8Array[];
  readonly tree: MemoryMerkleTree;
  state: LogState;
  readonly headers: BlockHeader[];
  readonly cosignatures: Map<string, NoteSignature[]>;
}

export interface CutOptions {
  /** The org node key's seed. */
  readonly seed: Uint8Array;
  /** Cut time, ms. */
  readonly time: number;
  /** Default: position 0, the genesis. */
  readonly governance?: GovernancePosition;
}

export class MemoryLedger implements TraceSource {
  readonly genesisBytes: Uint8Array;
  readonly network: Uint8Array;
  readonly governanceActions: Uint8Array[];
  readonly #logs = new Map<string, MemoryLog>();
  readonly #byId = new Map<string, LocatedEnvelope>();
  readonly #byObject = new Map<string, LocatedEnvelope[]>();
  readonly #blobs = new Map<string, Uint8Array>();

  constructor(genesisBytes: Uint8Array, governance: readonly Uint8Array[] = []) {
    this.genesisBytes = genesisBytes;
    this.network = networkId(genesisBytes);
    this.governanceActions = [...governance];
  }

  #log(org: string): MemoryLog {
    let log = this.#logs.get(org);
    if (log === undefined) {
      log = {
        envelopes: [],
        tree: new MemoryMerkleTree(),
        state: emptyLogState(),
        headers: [],
        cosignatures: new Map(),
      };
      this.#logs.set(org, log);
    }
    return log;
  }

  /** Appends envelopes to the org's log as one block and returns its header. */
  append(org: string, envelopes: readonly Uint8Array[], options: CutOptions): BlockHeader {
    const log = this.#log(org);
    const { block, state } = cutBlock(log.state, envelopes, {
      network: this.network,
      org,
      seed: options.seed,
      time: options.time,
      governance: options.governance ?? { seq: 0, hash: this.network },
    });
    for (const envelope of envelopes) {
      const index = log.envelopes.length;
      log.envelopes.push(envelope);
      log.tree.appendLeaf(envelope);
      const located = { org, index, envelope };
      try {
        const { entryBytes } = decodeEnvelope(envelope, 1 << 20);
        const entry = decodeEntry(entryBytes, { maxBytes: 1 << 20 });
        this.#byId.set(toHex(entryId(entryBytes)), located);
        const list = this.#byObject.get(entry.object);
        if (list === undefined) this.#byObject.set(entry.object, [located]);
        else list.push(located);
      } catch {
        // Tests append damaged envelopes on purpose; they are leaves like any other.
      }
    }
    log.state = state;
    log.headers.push(block.header);
    return block.header;
  }

  /** A witness cosigns the org's header at `height` (default: the latest) at `timestamp` seconds. */
  cosign(org: string, witness: string, seed: Uint8Array, timestamp: number, height?: number): NoteSignature {
    const log = this.#log(org);
    const header = height === undefined ? log.headers.at(-1) : log.headers[height - 1];
    if (header === undefined) throw new RangeError(`"${org}" has no header at height ${height ?? 'latest'}`);
    const signature = cosign(header.text, witness, seed, timestamp);
    log.cosignatures.set(header.text, [...(log.cosignatures.get(header.text) ?? []), signature]);
    return signature;
  }

  /** Stores an attachment and returns its SHA-256. */
  putAttachment(data: Uint8Array): Uint8Array {
    const hash = sha256(data);
    this.#blobs.set(toHex(hash), data);
    return hash;
  }

  headers(org: string): readonly BlockHeader[] {
    return this.#logs.get(org)?.headers ?? [];
  }

  size(org: string): number {
    return this.#logs.get(org)?.envelopes.length ?? 0;
  }

  // TraceSource

  async genesis(): Promise<Uint8Array> {
    return this.genesisBytes;
  }

  async governance(upTo: number): Promise<readonly Uint8Array[]> {
    return this.governanceActions.slice(0, upTo);
  }

  async objectEntries(object: string): Promise<readonly LocatedEnvelope[]> {
    return this.#byObject.get(object) ?? [];
  }

  async entry(id: Uint8Array): Promise<LocatedEnvelope | undefined> {
    return this.#byId.get(toHex(id));
  }

  async operatorRecords(org: string, below: number): Promise<readonly LocatedEnvelope[]> {
    const log = this.#logs.get(org);
    const out: LocatedEnvelope[] = [];
    for (let index = 0; index < Math.min(below, log?.envelopes.length ?? 0); index++) {
      const envelope = (log as MemoryLog).envelopes[index] as Uint8Array;
      try {
        const kind = decodeEntry(decodeEnvelope(envelope, 1 << 20).entryBytes, { maxBytes: 1 << 20 }).kind;
        if (kind === OPERATOR_APPOINTED || kind === OPERATOR_REVOKED) out.push({ org, index, envelope });
      } catch {
        // Not an entry at all, so not an operator record.
      }
    }
    return out;
  }

  async headerCovering(org: string, index: number): Promise<string | undefined> {
    const header = this.#logs.get(org)?.headers.find((h) => h.size > index);
    return header === undefined ? undefined : formatSignedNote(header.note);
  }

  async latestHeader(org: string): Promise<string | undefined> {
    const header = this.#logs.get(org)?.headers.at(-1);
    return header === undefined ? undefined : formatSignedNote(header.note);
  }

  async inclusionProof(org: string, index: number, size: number): Promise<readonly Uint8Array[]> {
    return this.#log(org).tree.inclusionProof(index, size);
  }

  async consistencyProof(org: string, size1: number, size2: number): Promise<readonly Uint8Array[]> {
    return this.#log(org).tree.consistencyProof(size1, size2);
  }

  async cosignatures(org: string, checkpointText: string): Promise<readonly NoteSignature[]> {
    return this.#logs.get(org)?.cosignatures.get(checkpointText) ?? [];
  }

  async attachment(sha256: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#blobs.get(toHex(sha256));
  }
}
