/**
 * The log of a member org whose node key the test holds (no daemon runs for it): it appoints an
 * operator and cuts validly signed blocks exactly as a department node would, so honest daemons
 * accept them — or, on purpose, cuts two inconsistent branches, or damages a block.
 */
import { randomBytes } from 'node:crypto';
import {
  type Block,
  buildEntry,
  cutBlock,
  emptyLogState,
  generateKeyPair,
  type KeyPair,
  type LogState,
  publicKeyFromSeed,
  signEntry,
} from '../../packages/core/src/index.ts';
import { appointmentBody, nationalIdHash } from '../../packages/governance/src/index.ts';
import { jointRecord, laneSegment } from './records.ts';

export interface MemberKey {
  readonly id: string;
  readonly seed: Uint8Array;
  readonly nodeKey: Uint8Array;
}

export function memberKey(id: string): MemberKey {
  const seed = new Uint8Array(randomBytes(32));
  return { id, seed, nodeKey: publicKeyFromSeed(seed) };
}

export class MemberLog {
  readonly key: MemberKey;
  readonly network: Uint8Array;
  /** The operator `appointment()` appoints and `records()` signs with. */
  readonly operator: KeyPair;
  /** The tip this log has grown to with `append`. */
  state: LogState = emptyLogState();
  readonly blocks: Block[] = [];
  #records = 0;

  constructor(key: MemberKey, network: Uint8Array, operator: KeyPair = generateKeyPair()) {
    this.key = key;
    this.network = network;
    this.operator = operator;
  }

  get org(): string {
    return this.key.id;
  }

  /** The org's appointment of its operator (QI), signed by the node key: the first entry of a log. */
  appointment(): Uint8Array {
    const now = Date.now();
    const validFrom = now - 90 * 86_400_000;
    return signEntry(
      buildEntry({
        network: this.network,
        org: this.org,
        object: `operator:${Buffer.from(this.operator.publicKey).toString('hex')}`,
        kind: 'org.operator-appointed',
        time: now - 60_000,
        signer: this.key.nodeKey,
        role: 'ORG',
        body: appointmentBody({
          operator: this.operator.publicKey,
          name: `${this.org}-qi`,
          roles: ['QI'],
          licence: `LIC-${this.org}`,
          idHash: nationalIdHash(new Uint8Array(randomBytes(32)), `id:${this.org}`),
          validFrom,
          validUntil: validFrom + 1_825 * 86_400_000,
        }),
      }),
      this.key.seed,
    ).envelope;
  }

  /** `n` joint records signed by the operator; `tag` makes two branches' records differ. */
  records(n: number, tag = ''): Uint8Array[] {
    return Array.from({ length: n }, () => {
      this.#records++;
      return signEntry(
        buildEntry({
          network: this.network,
          org: this.org,
          // A branch's records go to its own segments, so two branches never sign the same bytes.
          object: laneSegment(`${this.org}${tag}`, this.#records % 3),
          kind: 'construction.joint-made',
          time: Date.now() - 60_000,
          signer: this.operator.publicKey,
          role: 'QI',
          body: jointRecord(this.#records),
        }),
        this.operator.seed,
      ).envelope;
    });
  }

  /** A block of `envelopes` on top of `from` (default: the tip), without moving the tip. */
  cut(envelopes: Uint8Array[], from: LogState = this.state): { block: Block; state: LogState } {
    const { block, state } = cutBlock(from, envelopes, {
      network: this.network,
      org: this.org,
      seed: this.key.seed,
      time: Date.now(),
      // Static genesis: position 0 at the genesis hash, as the department nodes sign.
      governance: { seq: 0, hash: this.network },
    });
    return { block, state };
  }

  /** Cuts a block on the tip and moves the tip to it. */
  append(envelopes: Uint8Array[]): Block {
    const { block, state } = this.cut(envelopes);
    this.state = state;
    this.blocks.push(block);
    return block;
  }
}
