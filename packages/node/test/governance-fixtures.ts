/**
 * A governed test network for the node's governance tests: a genesis with three authorities
 * (threshold 2), the next signed action of any state, replica stores judging at its positions, and
 * org logs whose blocks the test cuts at any claimed governance position, signed by any key.
 */
import { join } from 'node:path';
import {
  type Attachment,
  type Block,
  buildEntry,
  cutBlock,
  type EntryDraft,
  emptyLogState,
  type GovernancePosition,
  generateKeyPair,
  type KeyPair,
  type LogState,
  type SignedEntry,
  signEntry,
} from '@liuhen/core';
import {
  type ActionChange,
  encodeGenesis,
  type Genesis,
  type GovernanceState,
  type NetworkParameters,
  networkId,
  proposeAction,
  type SignedAction,
  signAction,
} from '@liuhen/governance';
import { LedgerStore } from '@liuhen/store';
import pino from 'pino';
import { NodeGovernance } from '../src/governance.ts';
import { createApi } from '../src/http/server.ts';
import { LedgerNode, type LedgerNodeOptions } from '../src/ledger-node.ts';
import type { NodeReplicaStoreOptions } from '../src/replica-store.ts';
import {
  appointmentDraft,
  jointBody,
  openReplicaStore,
  revocationDraft,
  SEGMENT,
  T0,
  testGenesis,
} from './fixtures.ts';

/** The orgs of most tests: the contractor, whose log a node replicates, and the node's own org. */
export const REMOTE = 'contractor';
export const OWN = 'supervisor';

export class TestNetwork {
  readonly authorities: KeyPair[] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  readonly genesis: Genesis;
  readonly network: Uint8Array;

  constructor(
    orgs: ReadonlyArray<{ id: string; nodeKey: Uint8Array }>,
    parameters: Partial<NetworkParameters> = {},
  ) {
    this.genesis = {
      ...testGenesis(orgs, parameters),
      authorities: { keys: this.authorities.map((a) => a.publicKey), threshold: 2 },
    };
    this.network = networkId(encodeGenesis(this.genesis));
  }

  /** Position 0: the genesis. */
  get origin(): GovernancePosition {
    return { seq: 0, hash: this.network };
  }

  /**
   * The next action of `state` (or of any claimed position), signed by `by`: authorities by their
   * index (default the first two of three), or any key pairs.
   */
  act(
    state: Pick<GovernanceState, 'seq' | 'head'>,
    change: ActionChange,
    by: ReadonlyArray<number | KeyPair> = [0, 1],
    seq = state.seq + 1,
  ): SignedAction {
    let signed = proposeAction({
      version: 1,
      network: this.network,
      seq,
      previous: state.head.hash,
      time: T0 + seq,
      ...change,
    } as never);
    for (const signer of by) {
      const key = typeof signer === 'number' ? (this.authorities[signer] as KeyPair) : signer;
      signed = signAction(signed, key.seed);
    }
    return signed;
  }

  /** The governance log of this network on `store`. */
  openGovernance(store: LedgerStore): Promise<NodeGovernance> {
    return NodeGovernance.open({ store, genesis: this.genesis, networkId: this.network });
  }

  /** The ledger node of `org` on `store`, signing with `key`. */
  openNode(store: LedgerStore, org: string, key: KeyPair, options: Partial<LedgerNodeOptions> = {}) {
    return LedgerNode.open({
      store,
      genesis: this.genesis,
      networkId: this.network,
      org,
      nodeSeed: key.seed,
      ...options,
    });
  }

  /** A replica store of `ownOrg` in `dir`, judging at the positions of a governance log on its store. */
  async openReplica(dir: string, ownOrg: string, options: Partial<NodeReplicaStoreOptions> = {}) {
    const store = await LedgerStore.open(join(dir, 'db'));
    const governance = await this.openGovernance(store);
    const replica = await openReplicaStore(dir, store, this.genesis, ownOrg, { governance, ...options });
    return {
      governance,
      replica,
      store,
      size: async (org: string) => (await replica.logState(org)).frontier.size,
      close: async () => {
        await replica.close();
        await store.close();
      },
    };
  }
}

/** `org.add` of the lab, a department that joins after the genesis, with node key `nodeKey`. */
export const addLab = (nodeKey = generateKeyPair().publicKey): ActionChange => ({
  type: 'org.add',
  body: {
    id: 'lab',
    name: 'Test Lab',
    creditCode: '91440300MA5F00003G',
    nodeKey,
    parties: ['lab'],
    bootstrap: [],
  },
});

/** `org.rotate-key` of `org` to `nodeKey`, the old key signing up to `oldKeyUntilHeight`. */
export const rotateKey = (org: string, nodeKey: Uint8Array, oldKeyUntilHeight = 0): ActionChange => ({
  type: 'org.rotate-key',
  body: { org, nodeKey, oldKeyUntilHeight },
});

/** `org.remove` of `org`, its log frozen at `freezeSize`. */
export const removeOrg = (org: string, freezeSize: number, reason: string): ActionChange => ({
  type: 'org.remove',
  body: { org, freezeSize, reason },
});

/** A network of REMOTE and OWN, with their fresh node keys. */
export function twoOrgNetwork(parameters: Partial<NetworkParameters> = {}) {
  const contractor = generateKeyPair();
  const supervisor = generateKeyPair();
  const net = new TestNetwork(
    [
      { id: REMOTE, nodeKey: contractor.publicKey },
      { id: OWN, nodeKey: supervisor.publicKey },
    ],
    parameters,
  );
  return { contractor, supervisor, net };
}

/** The API token the tests send ("test"), as the API is given it: by its SHA-256. */
export const TEST_TOKEN = {
  sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  name: 't',
};

/** The HTTP API of `node`, taking TEST_TOKEN, without a blob store. */
export function testApi(node: LedgerNode) {
  return createApi({
    node,
    blobs: undefined as never,
    tokens: [TEST_TOKEN],
    operatorSeeds: new Map(),
    logger: pino({ level: 'silent' }),
    maxBlobBytes: 1024,
    version: 'test',
  });
}

/** `parameter.set` of `maxEntryBytes`. */
export const setMaxEntryBytes = (value: number): ActionChange => ({
  type: 'parameter.set',
  body: { name: 'maxEntryBytes', value },
});

/**
 * `n` photo attachments with long names: about 280 bytes each, to make an entry of a chosen size
 * that the profile accepts.
 */
export function photos(n: number): Attachment[] {
  return Array.from({ length: n }, (_, i) => ({
    sha256: new Uint8Array(32).fill(i + 1),
    size: 1_000 + i,
    type: 'image/jpeg',
    name: `joint-${i}-${'x'.repeat(200)}.jpg`,
  }));
}

/**
 * One org's log, cut by the test: an operator's appointment, records and revocation, any entry, and
 * blocks. Entry times follow a clock of this log, a second apart.
 */
export class OrgLog {
  state: LogState = emptyLogState();
  readonly operator = generateKeyPair();
  #clock = T0;

  constructor(
    readonly network: Uint8Array,
    readonly org: string,
    public key: KeyPair,
  ) {}

  /** An entry signed by `signer`: a joint record by the operator unless `draft` says otherwise. */
  entry(signer: KeyPair = this.operator, draft: Partial<EntryDraft> = {}): SignedEntry {
    this.#clock += 1000;
    return signEntry(
      buildEntry({
        network: this.network,
        org: this.org,
        object: SEGMENT,
        kind: 'construction.joint-made',
        time: this.#clock,
        signer: signer.publicKey,
        role: 'QI',
        body: jointBody(this.#clock / 1000),
        ...draft,
      }),
      signer.seed,
      1 << 20,
    );
  }

  /** The appointment of `operator` (role QI), signed by the org's node key. */
  appointment(operator = this.operator): SignedEntry {
    return this.entry(this.key, appointmentDraft(operator.publicKey));
  }

  /** The revocation of `operator`, signed by the org's node key. */
  revocation(operator = this.operator): SignedEntry {
    return this.entry(this.key, revocationDraft(operator.publicKey));
  }

  /** A joint record by the operator, with `attachments` photos to set its size. */
  record(attachments = 0, operator = this.operator): SignedEntry {
    return this.entry(operator, { attachments: photos(attachments) });
  }

  /** A block claiming `governance`, signed by `key`; `keep` false leaves the log where it was. */
  block(entries: SignedEntry[], governance: GovernancePosition, key = this.key, keep = true): Block {
    return this.cut(entries, governance, key, keep).block;
  }

  /** `block`, with the Merkle nodes a store commits along with it. */
  cut(entries: SignedEntry[], governance: GovernancePosition, key = this.key, keep = true) {
    const cut = cutBlock(
      this.state,
      entries.map((e) => e.envelope),
      { network: this.network, org: this.org, seed: key.seed, time: this.#clock, governance },
    );
    if (keep) this.state = cut.state;
    return cut;
  }
}
