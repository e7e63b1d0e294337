/**
 * Realistic org logs for the store tests: pipe-lifecycle entries of about 400 envelope bytes,
 * signed by an operator, cut into blocks signed by the org node key, each block turned into the
 * BlockWrite a node would commit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Block,
  buildEntry,
  cutBlock,
  emptyLogState,
  type LogState,
  type PerfectNode,
  publicKeyFromSeed,
  type SignedEntry,
  sha256,
  signEntry,
  utf8,
} from '@liuhen/core';
import { type BlockWrite, indexRecord } from '../src/index.ts';

export const network = sha256(utf8('liuhen store test network'));
const governance = { seq: 0, hash: network };

export interface Party {
  readonly org: string;
  readonly nodeSeed: Uint8Array;
  readonly operatorSeed: Uint8Array;
  readonly operatorKey: Uint8Array;
}

export function party(org: string): Party {
  const nodeSeed = sha256(utf8(`${org} node`));
  const operatorSeed = sha256(utf8(`${org} operator`));
  return { org, nodeSeed, operatorSeed, operatorKey: publicKeyFromSeed(operatorSeed) };
}

export interface EntrySpec {
  readonly object: string;
  readonly kind?: string;
  readonly time?: number;
  readonly parents?: readonly Uint8Array[];
  readonly signer?: Party;
}

const KINDS = [
  'construction.pipe-laid',
  'inspection.weld-checked',
  'test.pressure-passed',
  'acceptance.signed',
];

/** A pipe-segment entry; `n` varies the content, and the body pads the envelope to ~400 bytes. */
export function makeEntry(author: Party, n: number, spec: EntrySpec): SignedEntry {
  const signer = spec.signer ?? author;
  return signEntry(
    buildEntry({
      network,
      org: author.org,
      object: spec.object,
      kind: spec.kind ?? (KINDS[n % KINDS.length] as string),
      parents: spec.parents ?? [],
      time: spec.time ?? 1_700_000_000_000 + n * 1000,
      signer: signer.operatorKey,
      role: 'QI',
      body: {
        segment: `K${Math.floor(n / 100)}+${n % 100}`,
        diameterMm: 600,
        material: 'DI',
        lengthM: 6 + (n % 5),
        station: { lat: 31_230_416 + n, lon: 121_473_701 - n },
      },
    }),
    signer.operatorSeed,
  );
}

/** One org's log as a node builds it: cuts blocks and keeps the state between them. */
export class LogBuilder {
  state: LogState = emptyLogState();
  readonly party: Party;
  #time = 1_700_000_500_000;

  constructor(party: Party) {
    this.party = party;
  }

  cut(signed: readonly SignedEntry[]): { block: Block; write: BlockWrite; nodes: PerfectNode[] } {
    const { block, state, nodes } = cutBlock(
      this.state,
      signed.map((s) => s.envelope),
      { network, org: this.party.org, seed: this.party.nodeSeed, time: this.#time++, governance },
    );
    this.state = state;
    return { block, write: toWrite(block, signed, nodes), nodes };
  }
}

export function toWrite(block: Block, signed: readonly SignedEntry[], nodes: PerfectNode[]): BlockWrite {
  return {
    header: block.header,
    envelopes: block.envelopes,
    entries: signed.map(({ id, entry }) => indexRecord(id, entry)),
    nodes,
  };
}

/** A fresh directory under the OS temp dir, and its removal. */
export async function tempDir(name: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `liuhen-${name}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
