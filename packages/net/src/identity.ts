/**
 * The libp2p identity of a node IS its org node key (DESIGN §3, §5): the private key is built from
 * the node key's 32-byte Ed25519 seed, so the PeerId embeds the raw node public key (identity
 * multihash) and the noise handshake proves possession of the node key. Membership checks then
 * compare raw 32-byte public keys, never PeerId strings.
 */
import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id';
import { NetError } from './errors.ts';

export const NODE_KEY_SIZE = 32;

function requireKeyBytes(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== NODE_KEY_SIZE)
    throw new NetError('NET_KEY_INVALID', `${what} must be ${NODE_KEY_SIZE} bytes`);
}

/** The libp2p private key for a node key seed (RFC 8032 seed, the same bytes the node signs with). */
export async function privateKeyFromSeed(seed: Uint8Array): Promise<Ed25519PrivateKey> {
  requireKeyBytes(seed, 'node key seed');
  return generateKeyPairFromSeed('Ed25519', seed);
}

export async function peerIdFromSeed(seed: Uint8Array): Promise<PeerId> {
  return peerIdFromPrivateKey(await privateKeyFromSeed(seed));
}

/** The PeerId of a raw 32-byte Ed25519 node public key (as in `GenesisOrg.nodeKey`). */
export function peerIdFromNodeKey(publicKey: Uint8Array): PeerId {
  requireKeyBytes(publicKey, 'node public key');
  const key = publicKeyFromRaw(publicKey);
  if (key.type !== 'Ed25519') throw new NetError('NET_KEY_INVALID', 'not an Ed25519 key');
  return peerIdFromPublicKey(key);
}

/**
 * The raw 32-byte Ed25519 public key inside a PeerId, or undefined when the PeerId is not an
 * Ed25519 identity (RSA, secp256k1, URL) — such a peer can never be a member.
 */
export function nodeKeyOfPeer(peer: PeerId): Uint8Array | undefined {
  if (peer.type !== 'Ed25519') return undefined;
  const raw = peer.publicKey.raw;
  return raw.byteLength === NODE_KEY_SIZE ? raw : undefined;
}

/** Like `nodeKeyOfPeer` for a PeerId string; throws NET_KEY_INVALID for a non-Ed25519 id. */
export function nodeKeyFromPeerIdString(text: string): Uint8Array {
  let peer: PeerId;
  try {
    peer = peerIdFromString(text);
  } catch (cause) {
    throw new NetError('NET_KEY_INVALID', `not a peer id: ${text}`, { cause });
  }
  const key = nodeKeyOfPeer(peer);
  if (key === undefined) throw new NetError('NET_KEY_INVALID', `not an Ed25519 peer id: ${text}`);
  return key;
}
