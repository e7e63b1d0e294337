/**
 * Member-only admission (DESIGN §5): a connection gater that lets through only peers whose raw
 * Ed25519 public key is a member node key under the current governance state. The membership can
 * be replaced at run time; a replacement hangs up on every connected peer that is no longer
 * admitted.
 *
 * Where it denies:
 * - dialling: `denyDialPeer`, `denyDialMultiaddr` (when the address names a /p2p/ peer) and
 *   `denyOutboundConnection`, so this host never opens a connection to a non-member;
 * - accepting: after the encryption handshake, when the remote's key is proven
 *   (`deny{In,Out}boundEncryptedConnection`), and again once the connection is upgraded
 *   (`deny{In,Out}boundUpgradedConnection`), in case the membership changed in between.
 * A raw TCP connection cannot be judged before the handshake (the key is not known yet); the PSK
 * already keeps out anyone outside the private network.
 */

import type { Connection, ConnectionGater, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { toHex } from '@liuhen/core';
import type { Multiaddr } from '@multiformats/multiaddr';
import { NODE_KEY_SIZE, nodeKeyOfPeer } from './identity.ts';

/** Is this raw 32-byte Ed25519 public key a member node key right now? */
export type MemberPredicate = (nodeKey: Uint8Array) => boolean;
/** A set of raw node keys, or a predicate consulted on every check. */
export type Membership = Iterable<Uint8Array> | MemberPredicate;

/** The part of a libp2p node the gate needs to hang up on removed members. */
export interface ConnectionOwner {
  getConnections(peerId?: PeerId): Connection[];
}

const P2P = 0x01a5;

function predicateOf(membership: Membership): MemberPredicate {
  if (typeof membership === 'function') return membership;
  const keys = new Set<string>();
  for (const key of membership) {
    if (key.byteLength !== NODE_KEY_SIZE)
      throw new TypeError(`a member node key must be ${NODE_KEY_SIZE} bytes`);
    keys.add(toHex(key));
  }
  return (nodeKey) => keys.has(toHex(nodeKey));
}

function peerOfMultiaddr(address: Multiaddr): PeerId | undefined {
  const value = address.getComponents().findLast((c) => c.code === P2P)?.value;
  if (value === undefined) return undefined;
  try {
    return peerIdFromString(value);
  } catch {
    return undefined;
  }
}

export class MembershipGate {
  #isMember: MemberPredicate;
  #owner: ConnectionOwner | undefined;
  readonly #self: Uint8Array | undefined;
  /** The libp2p `connectionGater` (each method returns true to deny). */
  readonly gater: ConnectionGater;

  /** `self` (this host's node key) is always admitted, so a host never gates its own addresses. */
  constructor(membership: Membership, self?: Uint8Array) {
    this.#isMember = predicateOf(membership);
    this.#self = self;
    this.gater = this.#makeGater();
  }

  admits(peer: PeerId): boolean {
    const key = nodeKeyOfPeer(peer);
    if (key === undefined) return false;
    if (this.#self !== undefined && toHex(key) === toHex(this.#self)) return true;
    try {
      return this.#isMember(key) === true;
    } catch {
      return false;
    }
  }

  /**
   * Replaces the membership and closes the connections of peers it no longer admits. Resolves
   * once those connections are closed (aborted if a graceful close fails).
   */
  async setMembership(membership: Membership): Promise<void> {
    this.#isMember = predicateOf(membership);
    await this.enforce();
  }

  /** Re-checks every open connection (use after a predicate's answers changed). */
  async enforce(): Promise<void> {
    const owner = this.#owner;
    if (owner === undefined) return;
    const removed = owner.getConnections().filter((c) => !this.admits(c.remotePeer));
    await Promise.all(
      removed.map(async (connection) => {
        try {
          await connection.close({ signal: AbortSignal.timeout(5_000) });
        } catch (err) {
          connection.abort(err instanceof Error ? err : new Error('membership revoked'));
        }
      }),
    );
  }

  /** Binds the gate to the node whose connections `setMembership`/`enforce` close. */
  attach(owner: ConnectionOwner): void {
    this.#owner = owner;
  }

  #makeGater(): ConnectionGater {
    const deny = (peer: PeerId): boolean => !this.admits(peer);
    return {
      denyDialPeer: deny,
      denyDialMultiaddr: (address) => {
        const peer = peerOfMultiaddr(address);
        return peer !== undefined && deny(peer);
      },
      denyOutboundConnection: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
      denyInboundUpgradedConnection: deny,
      denyOutboundUpgradedConnection: deny,
      denyInboundRelayReservation: () => true,
      denyOutboundRelayedConnection: () => true,
      denyInboundRelayedConnection: () => true,
    };
  }
}
