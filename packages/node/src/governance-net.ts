/**
 * The governance log on the network (DESIGN §3, §5): its replication (gossip and the fetch
 * protocol of @liuhen/net), the choice of the key that verifies each block header — after fetching
 * the actions of a governance position the node has not verified yet — and the connection gater's
 * membership, which follows the governance state.
 *
 * Admission (docs/protocol.md §12.1): the node admits the current node key of every member org,
 * and a rotated-out key of a member while the org's latest block held here is within its overlap
 * window (`GovernanceState.admittedNodeKeys`). It is recomputed after each applied action and after
 * each accepted block of an org with a rotated-out key; connections of peers no longer admitted
 * (a removed org's node, a key past its window) are closed at once, and the gater refuses them
 * from then on, both ways.
 */
import { type BlockHeader, toHex, verifyHeaderSignature } from '@liuhen/core';
import {
  GovernanceReplicator,
  type GovernanceReplicatorEventMap,
  type HeaderKeyResolver,
  type Host,
  type PeerId,
  type Replicator,
  type ReplicatorEventMap,
} from '@liuhen/net';
import type { LedgerStore } from '@liuhen/store';
import type { Logger } from 'pino';
import type { NodeGovernance } from './governance.ts';
import { headerSigner, headerVerdict } from './governance-validation.ts';

/** The node keys the gater admits, following the governance state and the held logs' heights. */
export class GovernanceAdmission {
  readonly #governance: NodeGovernance;
  readonly #store: LedgerStore;
  #admitted = new Set<string>();
  #refreshing: Promise<boolean> | undefined;
  #again = false;

  private constructor(governance: NodeGovernance, store: LedgerStore) {
    this.#governance = governance;
    this.#store = store;
  }

  static async open(governance: NodeGovernance, store: LedgerStore): Promise<GovernanceAdmission> {
    const admission = new GovernanceAdmission(governance, store);
    await admission.refresh();
    return admission;
  }

  admits(key: Uint8Array): boolean {
    return this.#admitted.has(toHex(key));
  }

  /** The admitted keys, hex, sorted. */
  keys(): string[] {
    return [...this.#admitted].sort();
  }

  /**
   * Recomputes the admitted keys. Resolves true when a key was dropped (the caller then closes
   * the connections the gater no longer admits). Calls made meanwhile are folded into one more run.
   */
  refresh(): Promise<boolean> {
    if (this.#refreshing !== undefined) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      let dropped = false;
      do {
        this.#again = false;
        const state = this.#governance.state;
        const heights = new Map<string, number>();
        for (const org of state.orgIds()) {
          const head = await this.#store.logHead(org);
          if (head !== undefined) heights.set(org, head.header.height);
        }
        const next = new Set(state.admittedNodeKeys((org) => heights.get(org) ?? 0).map(toHex));
        for (const key of this.#admitted) if (!next.has(key)) dropped = true;
        this.#admitted = next;
      } while (this.#again);
      return dropped;
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** True when `org` has a rotated-out key whose window depends on the org's height. */
  hasWindow(org: string): boolean {
    return this.#governance.state.nodeKeysOf(org).some((k) => k.retiredAt !== undefined);
  }
}

/**
 * The replicator's header-key resolver: a header claiming a governance position beyond this
 * node's is held back until the missing actions are fetched (from the peer that sent it, else any
 * peer); then the key is the one `headerVerdict` finds valid. A header past a freeze point, or of
 * an org removed at the claimed position, is `frozen` (refused without blame: an honest peer may
 * not know of the removal yet); any other refusal is `invalid`.
 */
export function headerKeyResolver(
  governance: NodeGovernance,
  fetcher: () => GovernanceReplicator | undefined,
): HeaderKeyResolver {
  return async (header: BlockHeader, source: PeerId | undefined) => {
    const claimed = header.governance.seq;
    if (claimed > governance.seq) {
      // Fetching costs the peers requests: first make sure the header is the org's, when it is
      // signed by a key known here (a key enrolled by the missing actions cannot be checked yet).
      const known = headerSigner(governance.state, header);
      if (known !== undefined) {
        try {
          verifyHeaderSignature(header, known);
        } catch {
          return { result: 'invalid', reason: 'the header signature does not verify' };
        }
      }
      await fetcher()?.catchUp(source, claimed);
      if (claimed > governance.seq) {
        return {
          result: 'pending',
          reason: `governance position ${claimed} is not verified here (at ${governance.seq})`,
        };
      }
    }
    const verdict = headerVerdict(governance.state, header);
    if (verdict.ok) return { key: verdict.key };
    const frozen = verdict.code === 'ORG_FROZEN' || verdict.code === 'UNKNOWN_ORG';
    return { result: frozen ? 'frozen' : 'invalid', reason: `${verdict.code}: ${verdict.reason}` };
  };
}

export interface GovernanceNet {
  readonly replicator: GovernanceReplicator;
  readonly admission: GovernanceAdmission;
  /** Gossips an action this node applied (submitted through its API). */
  publish(bytes: Uint8Array): void;
  stop(): Promise<void>;
}

/**
 * Starts the governance replication on `host` and binds the gater and the block replicator to the
 * governance state. Call once the block replicator is started.
 */
export async function startGovernanceNet(options: {
  host: Host;
  governance: NodeGovernance;
  admission: GovernanceAdmission;
  replicator: Replicator;
  logger: Logger;
  antiEntropyMs?: number;
  setFetcher: (fetcher: GovernanceReplicator) => void;
}): Promise<GovernanceNet> {
  const { host, governance, admission, replicator, logger } = options;
  const fetcher = new GovernanceReplicator({
    host,
    log: {
      get seq() {
        return governance.seq;
      },
      actionBytes: (from, to) => governance.actionBytes(from, to),
      submit: (bytes) => governance.submit(bytes),
    },
    network: governance.networkId,
    ...(options.antiEntropyMs === undefined ? {} : { antiEntropyMs: options.antiEntropyMs }),
  });
  options.setFetcher(fetcher);
  let stopped = false;

  const enforce = async (why: string) => {
    if (await admission.refresh()) {
      logger.info({ why, admitted: admission.keys().length }, 'membership changed: closing refused peers');
      await host.membership.enforce();
    }
  };
  const unsubscribe = governance.onApplied(({ position }) => {
    if (stopped) return;
    void enforce(`governance action ${position.seq}`).catch((err) =>
      logger.warn({ err }, 'membership refresh failed'),
    );
    // An org added (or a key rotated) may already have blocks on the peers: ask for heads now.
    replicator.antiEntropy();
  });
  const onAccepted = (evt: Event) => {
    const { detail } = evt as ReplicatorEventMap['accepted'];
    if (!stopped && admission.hasWindow(detail.org))
      void enforce(`block ${detail.org}/${detail.header.height}`).catch(() => undefined);
  };
  replicator.addEventListener('accepted', onAccepted);
  fetcher.addEventListener('conflict', (evt) => {
    const { detail } = evt as GovernanceReplicatorEventMap['conflict'];
    logger.error(
      { peer: detail.peer, detail: detail.detail },
      'a peer holds another governance action at a position applied here (GOV_ACTION_CONFLICT)',
    );
  });
  fetcher.addEventListener('misbehaviour', (evt) => {
    const { detail } = evt as GovernanceReplicatorEventMap['misbehaviour'];
    logger.warn(
      { peer: detail.peer, code: detail.code, detail: detail.detail },
      'peer misbehaved: penalised',
    );
  });
  await fetcher.start();
  return {
    replicator: fetcher,
    admission,
    publish(bytes) {
      if (stopped) return;
      fetcher.publish(bytes).catch((err) => logger.warn({ err }, 'governance gossip failed'));
    },
    async stop() {
      stopped = true;
      unsubscribe();
      replicator.removeEventListener('accepted', onAccepted);
      await fetcher.stop();
    },
  };
}
