/** Shared test helpers: keys, hosts on 127.0.0.1, and waiting on events with generous limits. */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '@libp2p/gossipsub';
import { publicKeyFromSeed } from '@liuhen/core';
import { createHost, type Host, type HostOptions } from '../src/index.ts';

export const WAIT_MS = 20_000;

export interface Org {
  readonly seed: Uint8Array;
  readonly nodeKey: Uint8Array;
}

export function newOrg(): Org {
  const seed = new Uint8Array(randomBytes(32));
  return { seed, nodeKey: publicKeyFromSeed(seed) };
}

/** Creates hosts and stops every one of them at the end of the test. */
export class Hosts {
  readonly #hosts: Host[] = [];

  async create(org: Org, options: Omit<HostOptions, 'seed'>): Promise<Host> {
    const host = await createHost({ seed: org.seed, ...options });
    this.#hosts.push(host);
    return host;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#hosts.splice(0).map((h) => h.stop()));
  }
}

/** Polls `condition` until true; fails after `timeoutMs` with `what`. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Collects the gossip messages a host receives on a topic. */
export function collect(host: Host, topic: string): Message[] {
  const received: Message[] = [];
  host.pubsub.addEventListener('message', (evt) => {
    if (evt.detail.topic === topic) received.push(evt.detail);
  });
  return received;
}

/** Waits until `a` and `b` see each other subscribed to `topic` (gossip will then reach them). */
export async function meshed(a: Host, b: Host, topic: string): Promise<void> {
  await waitUntil(`${topic} subscriptions exchanged`, () => {
    const aSeesB = a.pubsub.getSubscribers(topic).some((p) => p.equals(b.peerId));
    const bSeesA = b.pubsub.getSubscribers(topic).some((p) => p.equals(a.peerId));
    return aSeesB && bSeesA;
  });
}

export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

export function bytes(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}
