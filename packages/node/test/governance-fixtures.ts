/**
 * A governed test network for the node's governance tests: a genesis with three authorities
 * (threshold 2), the next signed action of any state, and org logs whose blocks the test cuts at
 * any claimed governance position, signed by any key.
 */
import {
  type Attachment,
  type Block,
  buildEntry,
  cutBlock,
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
  appointmentBody,
  encodeGenesis,
  type Genesis,
  type GovernanceState,
  type NetworkParameters,
  networkId,
  proposeAction,
  type SignedAction,
  signAction,
} from '@liuhen/governance';
import { jointBody, SEGMENT, T0, testGenesis } from './fixtures.ts';

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
   * The next action of `state` (or of any claimed position), signed by authorities `by` (default
   * the first two of three).
   */
  act(
    state: Pick<GovernanceState, 'seq' | 'head'>,
    change: ActionChange,
    by = [0, 1],
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
    for (const i of by) signed = signAction(signed, (this.authorities[i] as KeyPair).seed);
    return signed;
  }
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

/** One org's log, cut by the test: an operator's appointment and records, and blocks. */
export class OrgLog {
  state: LogState = emptyLogState();
  readonly operator = generateKeyPair();
  #clock = T0;

  constructor(
    readonly network: Uint8Array,
    readonly org: string,
    public key: KeyPair,
  ) {}

  /** The appointment of `operator` (role QI), signed by the org's node key. */
  appointment(operator = this.operator): SignedEntry {
    this.#clock += 1000;
    return signEntry(
      buildEntry({
        network: this.network,
        org: this.org,
        object: 'operators',
        kind: 'org.operator-appointed',
        time: this.#clock,
        signer: this.key.publicKey,
        role: 'ORG',
        body: appointmentBody({
          operator: operator.publicKey,
          name: 'Li Wei',
          roles: ['QI'],
          licence: 'L-1',
          idHash: new Uint8Array(32),
          validFrom: T0,
          validUntil: T0 + 365 * 86_400_000,
        }),
      }),
      this.key.seed,
      1 << 20,
    );
  }

  /** A joint record by the operator, with `attachments` photos to set its size. */
  record(attachments = 0, operator = this.operator): SignedEntry {
    this.#clock += 1000;
    return signEntry(
      buildEntry({
        network: this.network,
        org: this.org,
        object: SEGMENT,
        kind: 'construction.joint-made',
        time: this.#clock,
        signer: operator.publicKey,
        role: 'QI',
        body: jointBody(this.#clock / 1000),
        attachments: photos(attachments),
      }),
      operator.seed,
      1 << 20,
    );
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
