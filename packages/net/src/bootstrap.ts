/**
 * Keeps this host connected to its bootstrap peers: dials each one (by a multiaddr that names the
 * peer, `/p2p/<peer id>`, the only kind libp2p 3 can dial without a peer store entry), waits for
 * the connection to drop, and dials again. Failures back off exponentially with jitter, up to a
 * cap; a connection that stays up for `stableMs` resets the backoff, so a peer that accepts and
 * then immediately drops us (e.g. its gater no longer admits us) is retried ever more slowly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { NetError } from './errors.ts';

export interface BootstrapTarget {
  readonly peer: PeerId;
  readonly address: Multiaddr;
}

export interface BackoffOptions {
  /** First retry delay, ms (default 500). */
  readonly initialMs?: number;
  /** Cap on the retry delay, ms (default 30 000). */
  readonly maxMs?: number;
  /** Growth per failure (default 2). */
  readonly factor?: number;
  /** A connection that lasted this long resets the delay, ms (default 10 000). */
  readonly stableMs?: number;
  /** Limit on one dial attempt, ms (default 10 000). */
  readonly dialTimeoutMs?: number;
}

const P2P = 0x01a5;

/** Parses bootstrap multiaddrs; each must end in `/p2p/<peer id>` (NET_ADDRESS_INVALID otherwise). */
export function parseBootstrap(addresses: Iterable<string | Multiaddr>): BootstrapTarget[] {
  const targets: BootstrapTarget[] = [];
  for (const input of addresses) {
    let address: Multiaddr;
    try {
      address = typeof input === 'string' ? multiaddr(input) : input;
    } catch (cause) {
      throw new NetError('NET_ADDRESS_INVALID', String(input), { cause });
    }
    const id = address.getComponents().findLast((c) => c.code === P2P)?.value;
    if (id === undefined)
      throw new NetError('NET_ADDRESS_INVALID', `${address.toString()} has no /p2p/ peer id`);
    let peer: PeerId;
    try {
      peer = peerIdFromString(id);
    } catch (cause) {
      throw new NetError('NET_ADDRESS_INVALID', `${address.toString()}: bad peer id`, { cause });
    }
    targets.push({ peer, address });
  }
  return targets;
}

type DialingNode = Pick<
  Libp2p,
  'peerId' | 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'
>;

export class BootstrapDialer {
  readonly #node: DialingNode;
  readonly #targets: readonly BootstrapTarget[];
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #stableMs: number;
  readonly #dialTimeoutMs: number;
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];

  constructor(node: DialingNode, targets: readonly BootstrapTarget[], options: BackoffOptions = {}) {
    this.#node = node;
    // Genesis bootstrap lists include this host itself: never dial self.
    this.#targets = targets.filter((t) => !t.peer.equals(node.peerId));
    this.#initialMs = options.initialMs ?? 500;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#stableMs = options.stableMs ?? 10_000;
    this.#dialTimeoutMs = options.dialTimeoutMs ?? 10_000;
  }

  start(): void {
    for (const target of this.#targets) this.#loops.push(this.#keepConnected(target));
  }

  /** Stops dialling; resolves when every loop has ended. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
  }

  async #keepConnected(target: BootstrapTarget): Promise<void> {
    const signal = this.#stop.signal;
    let delay = this.#initialMs;
    while (!signal.aborted) {
      let connectedAt: number | undefined;
      if (this.#node.getConnections(target.peer).length > 0) {
        connectedAt = Date.now();
      } else {
        try {
          await this.#node.dial(target.address, {
            signal: AbortSignal.any([signal, AbortSignal.timeout(this.#dialTimeoutMs)]),
          });
          connectedAt = Date.now();
        } catch {
          // Refused, unreachable, not a member, or stopping: back off below.
        }
      }
      if (connectedAt !== undefined) {
        await this.#disconnected(target.peer, signal);
        if (Date.now() - connectedAt >= this.#stableMs) delay = this.#initialMs;
      }
      if (!(await this.#pause(delay, signal))) return;
      delay = Math.min(delay * this.#factor, this.#maxMs);
    }
  }

  /** Waits with ±20 % jitter; false when stopped meanwhile. */
  async #pause(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(Math.round(ms * (0.8 + Math.random() * 0.4)), undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves once no connection to `peer` remains (or on stop). */
  #disconnected(peer: PeerId, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#node.removeEventListener('peer:disconnect', onDisconnect);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onDisconnect = (evt: CustomEvent<PeerId>): void => {
        if (evt.detail.equals(peer)) done();
      };
      this.#node.addEventListener('peer:disconnect', onDisconnect);
      signal.addEventListener('abort', done, { once: true });
      if (signal.aborted || this.#node.getConnections(peer).length === 0) done();
    });
  }
}
