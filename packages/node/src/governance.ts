/**
 * The node's governance log (DESIGN §3, docs/protocol.md §13): the genesis folded with every
 * applied signed action, kept durable in the node's LevelDB store (`G` table, one fsynced batch
 * per action, see packages/store) and folded again with `foldGovernance` at start.
 *
 * Why the store and not a file of its own: the actions live in the same database as the blocks
 * whose headers name their positions, so one copy or backup of `db/` is always self-consistent,
 * LevelDB's checksummed log (and the store's recovery-damage check) guards them like every block,
 * and an offline command that opens the store (`operator add`, `verify`) sees the same state as
 * the daemon. The log is tiny (actions are rare), so every applied action's bytes are also held
 * in memory to answer the network's fetches.
 *
 * One action is applied at a time: `submit` checks it against the state, writes it, and only
 * then applies it in memory and tells the listeners. So the state never holds an action the disk
 * does not, and a block header never names a position that a restart could lose.
 */
import { type GovernancePosition, LiuhenError, toHex } from '@liuhen/core';
import {
  decodeSignedAction,
  encodeSignedAction,
  type Genesis,
  type GovernanceError,
  GovernanceState,
  isGovernanceError,
  type SignedAction,
} from '@liuhen/governance';
import type { LedgerStore } from '@liuhen/store';

export interface AppliedAction {
  readonly signed: SignedAction;
  /** The signed action bytes as stored and served. */
  readonly bytes: Uint8Array;
  readonly position: GovernancePosition;
}

export interface NodeGovernanceOptions {
  store: LedgerStore;
  genesis: Genesis;
  networkId: Uint8Array;
  /**
   * This node's org and the node key it runs with. `orgKeys` maps the org to that key even
   * before governance lists it (a department added by an action the node has not fetched yet) or
   * while an overlap window still lets an old key sign, so the replicator always knows its own org.
   */
  self?: { org: string; key: Uint8Array };
}

export class NodeGovernance {
  readonly state: GovernanceState;
  readonly networkId: Uint8Array;
  readonly #store: LedgerStore;
  readonly #self: { org: string; key: Uint8Array } | undefined;
  /** Signed action bytes by position − 1. */
  readonly #bytes: Uint8Array[];
  /** Every org ever known → its newest node key (this node's org → the key it runs with). */
  readonly #orgKeys = new Map<string, Uint8Array>();
  readonly #listeners = new Set<(applied: AppliedAction) => void>();
  #chain: Promise<unknown> = Promise.resolve();

  private constructor(state: GovernanceState, bytes: Uint8Array[], options: NodeGovernanceOptions) {
    this.state = state;
    this.networkId = options.networkId;
    this.#store = options.store;
    this.#self = options.self;
    this.#bytes = bytes;
    this.#refreshKeys();
  }

  /** Folds the genesis and the stored actions. A stored action that does not apply is STORE_CORRUPT. */
  static async open(options: NodeGovernanceOptions): Promise<NodeGovernance> {
    const stored = await options.store.governanceActions();
    const state = GovernanceState.fromGenesis(options.genesis, options.networkId);
    for (const [i, bytes] of stored.entries()) {
      try {
        state.apply(decodeSignedAction(bytes));
      } catch (cause) {
        throw new LiuhenError(
          'STORE_CORRUPT',
          `stored governance action ${i + 1} does not apply: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    return new NodeGovernance(state, stored, options);
  }

  get seq(): number {
    return this.state.seq;
  }

  get head(): GovernancePosition {
    return this.state.head;
  }

  /**
   * Every org the network has had → its newest node key; this node's org → the key it runs with.
   * Live: updated in place after each applied action (the replicator and the replica store hold
   * this very map).
   */
  get orgKeys(): Map<string, Uint8Array> {
    return this.#orgKeys;
  }

  /** The stored bytes of the actions at positions `from` … `to` (inclusive, clamped to the log). */
  actionBytes(from: number, to: number = this.seq): Uint8Array[] {
    return this.#bytes.slice(Math.max(0, from - 1), Math.max(0, Math.min(to, this.seq)));
  }

  /** Called after every applied action, in order. Returns the unsubscribe function. */
  onApplied(listener: (applied: AppliedAction) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Verifies a signed action (bytes from the wire or the CLI, or a decoded one) against the state
   * (docs/protocol.md §13.5), stores it durably and applies it. Throws, changing nothing, with the
   * first failure: CBOR_* for bytes that do not decode, GOV_* codes (GOV_ACTION_REPLAYED for an
   * action already applied, GOV_ACTION_OUT_OF_ORDER when earlier ones are missing …), or
   * STORAGE_FAILED.
   */
  submit(input: Uint8Array | SignedAction): Promise<AppliedAction> {
    let signed: SignedAction;
    let bytes: Uint8Array;
    try {
      signed = input instanceof Uint8Array ? decodeSignedAction(input) : input;
      bytes = input instanceof Uint8Array ? input : encodeSignedAction(input);
    } catch (error) {
      return Promise.reject(error);
    }
    const run = this.#chain.then(() => this.#apply(signed, bytes));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #apply(signed: SignedAction, bytes: Uint8Array): Promise<AppliedAction> {
    this.state.check(signed);
    const seq = signed.action.seq;
    await this.#store.appendGovernanceAction(seq, bytes);
    const position = this.state.apply(signed);
    this.#bytes.push(bytes);
    this.#refreshKeys();
    const applied: AppliedAction = { signed: this.state.action(seq), bytes, position };
    for (const listener of this.#listeners) {
      try {
        listener(applied);
      } catch {
        // A listener's failure is its own; the action is applied.
      }
    }
    return applied;
  }

  #refreshKeys(): void {
    for (const org of this.state.orgIds()) {
      const keys = this.state.nodeKeysOf(org);
      const newest = keys.at(-1);
      if (newest !== undefined) this.#orgKeys.set(org, newest.key);
    }
    if (this.#self !== undefined) this.#orgKeys.set(this.#self.org, this.#self.key);
  }

  /** A short description of the position, for logs. */
  describe(): { seq: number; head: string } {
    return { seq: this.seq, head: toHex(this.head.hash) };
  }
}

/** True for a GovernanceError of one of `codes` (any code without `codes`). */
export function isGovernanceFailure(error: unknown, ...codes: string[]): error is GovernanceError {
  return isGovernanceError(error) && (codes.length === 0 || codes.includes(error.code));
}
