/**
 * A libp2p peer run by the test process itself (packages/net, real libp2p over loopback TCP) next
 * to daemon child processes: an outsider, a hostile member, an equivocating member.
 */
import '../../packages/net/src/polyfill.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createHost,
  type Host,
  type HostOptions,
  type PeerId,
  peerIdFromNodeKey,
  replicationTopics,
} from '../../packages/net/src/index.ts';
import { networkOf } from '../../scripts/lib/node-process.ts';

/** Creates test peers and stops them all at the end. */
export class TestPeers {
  readonly #hosts: Host[] = [];

  /**
   * A host with `seed` as its identity in the network of data directory `dir`: the network's
   * swarm key (or `psk`), its genesis members, its three gossip topics scored, and `bootstrap`.
   */
  async join(
    dir: string,
    seed: Uint8Array,
    bootstrap: string[],
    options: Partial<Omit<HostOptions, 'seed' | 'bootstrap'>> = {},
  ): Promise<Host> {
    const { genesis, networkId, swarmKey } = networkOf(dir);
    const topics = replicationTopics(networkId);
    const host = await createHost({
      seed,
      psk: swarmKey,
      members: genesis.orgs.map((o) => o.nodeKey),
      scoredTopics: [topics.blocks, topics.cosignatures, topics.fraudProofs],
      bootstrap,
      // A test peer retries quickly: its partners are already up.
      backoff: { initialMs: 200, maxMs: 2_000 },
      ...options,
    });
    this.#hosts.push(host);
    return host;
  }

  async stop(host: Host): Promise<void> {
    const i = this.#hosts.indexOf(host);
    if (i >= 0) this.#hosts.splice(i, 1);
    await host.stop();
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.#hosts.splice(0).map((h) => h.stop()));
  }
}

/** The PeerId of a daemon, from its node key (hex). */
export function daemonPeer(nodeKeyHex: string): PeerId {
  return peerIdFromNodeKey(Uint8Array.from(Buffer.from(nodeKeyHex, 'hex')));
}

/** Waits until `host` knows every one of `peers` subscribes to `topic` (so gossip reaches them). */
export async function subscribed(
  host: Host,
  topic: string,
  peers: PeerId[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const subscribers = host.pubsub.getSubscribers(topic);
    if (peers.every((p) => subscribers.some((s) => s.equals(p)))) return;
    if (Date.now() > deadline) throw new Error(`${topic}: not every peer subscribed within ${timeoutMs} ms`);
    await sleep(50);
  }
}
