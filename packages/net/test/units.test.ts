import '../src/polyfill.ts';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { describe, expect, it } from 'vitest';
import {
  formatSwarmKey,
  generateSwarmKey,
  isNetError,
  LATE_RECORDING_MS,
  lateRecording,
  MembershipGate,
  nodeKeyFromPeerIdString,
  nodeKeyOfPeer,
  parseBootstrap,
  parseSwarmKey,
  peerIdFromNodeKey,
  peerIdFromSeed,
  privateKeyFromSeed,
  pskBytes,
  WitnessTimes,
} from '../src/index.ts';
import { newOrg } from './helpers.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isNetError(err) ? err.code : `not a NetError: ${String(err)}`;
  }
  return 'no error';
}

describe('polyfill', () => {
  it('provides Promise.withResolvers', async () => {
    const { promise, resolve } = (
      Promise as unknown as { withResolvers<T>(): { promise: Promise<T>; resolve(v: T): void } }
    ).withResolvers<number>();
    resolve(7);
    expect(await promise).toBe(7);
  });
});

describe('identity', () => {
  it('the libp2p key and PeerId are the org node key', async () => {
    const org = newOrg();
    const key = await privateKeyFromSeed(org.seed);
    expect(key.type).toBe('Ed25519');
    expect(key.publicKey.raw).toEqual(org.nodeKey);
    const peer = await peerIdFromSeed(org.seed);
    expect(peer.equals(peerIdFromNodeKey(org.nodeKey))).toBe(true);
    expect(nodeKeyOfPeer(peer)).toEqual(org.nodeKey);
    expect(nodeKeyFromPeerIdString(peer.toString())).toEqual(org.nodeKey);
  });

  it('refuses keys of the wrong size and non-Ed25519 peer ids', async () => {
    await expect(privateKeyFromSeed(new Uint8Array(31))).rejects.toMatchObject({ code: 'NET_KEY_INVALID' });
    expect(code(() => peerIdFromNodeKey(new Uint8Array(33)))).toBe('NET_KEY_INVALID');
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1'));
    expect(nodeKeyOfPeer(secp)).toBeUndefined();
    expect(code(() => nodeKeyFromPeerIdString(secp.toString()))).toBe('NET_KEY_INVALID');
    expect(code(() => nodeKeyFromPeerIdString('not-a-peer-id'))).toBe('NET_KEY_INVALID');
  });
});

describe('swarm key', () => {
  it('generates, formats and parses the v1 base16 file', () => {
    const text = generateSwarmKey();
    expect(text).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\n$/);
    const key = parseSwarmKey(text);
    expect(key.byteLength).toBe(32);
    expect(formatSwarmKey(key)).toBe(text);
    expect(parseSwarmKey(new TextEncoder().encode(text))).toEqual(key);
    expect(parseSwarmKey(text.replaceAll('\n', '\r\n'))).toEqual(key);
    // Upper-case hex, no trailing newline.
    expect(parseSwarmKey(text.trimEnd().replace(/[0-9a-f]{64}/, (h) => h.toUpperCase()))).toEqual(key);
    expect(new TextDecoder().decode(pskBytes(text.trimEnd()))).toBe(text);
  });

  it('refuses anything else', () => {
    const hex = 'ab'.repeat(32);
    for (const bad of [
      '',
      `/key/swarm/psk/1.0.0/\n/base16/\n${hex.slice(2)}`,
      `/key/swarm/psk/1.0.0/\n/base16/\n${hex}00`,
      `/key/swarm/psk/1.0.0/\n/base64/\n${hex}`,
      `/key/swarm/psk/2.0.0/\n/base16/\n${hex}`,
      `/key/swarm/psk/1.0.0/\n/base16/\n${hex}\n\n`,
      `/key/swarm/psk/1.0.0/\n/base16/\n${'zz'.repeat(32)}`,
    ])
      expect(code(() => parseSwarmKey(bad))).toBe('NET_PSK_INVALID');
    expect(code(() => formatSwarmKey(new Uint8Array(16)))).toBe('NET_PSK_INVALID');
  });
});

describe('membership gate', () => {
  it('admits exactly the member keys (and itself), and can be replaced', async () => {
    const [self, member, outsider] = [newOrg(), newOrg(), newOrg()];
    const selfPeer = await peerIdFromSeed(self.seed);
    const memberPeer = await peerIdFromSeed(member.seed);
    const outsiderPeer = await peerIdFromSeed(outsider.seed);
    const gate = new MembershipGate([member.nodeKey], self.nodeKey);
    const g = gate.gater;
    expect(gate.admits(selfPeer)).toBe(true);
    expect(gate.admits(memberPeer)).toBe(true);
    expect(gate.admits(outsiderPeer)).toBe(false);
    expect(g.denyDialPeer?.(memberPeer)).toBe(false);
    expect(g.denyDialPeer?.(outsiderPeer)).toBe(true);
    expect(g.denyInboundEncryptedConnection?.(outsiderPeer, undefined as never)).toBe(true);
    expect(g.denyOutboundEncryptedConnection?.(outsiderPeer, undefined as never)).toBe(true);
    expect(g.denyInboundUpgradedConnection?.(memberPeer, undefined as never)).toBe(false);
    expect(g.denyDialMultiaddr?.(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${outsiderPeer}`))).toBe(true);
    expect(g.denyDialMultiaddr?.(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${memberPeer}`))).toBe(false);
    // Without a peer id the address cannot be judged; the handshake will be.
    expect(g.denyDialMultiaddr?.(multiaddr('/ip4/127.0.0.1/tcp/1'))).toBe(false);
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1'));
    expect(gate.admits(secp)).toBe(false);

    await gate.setMembership((key) => key[0] === outsider.nodeKey[0]);
    expect(gate.admits(outsiderPeer)).toBe(true);
    expect(gate.admits(selfPeer)).toBe(true);
    await gate.setMembership(() => {
      throw new Error('broken predicate');
    });
    expect(gate.admits(memberPeer)).toBe(false);
  });
});

describe('bootstrap addresses', () => {
  it('need a /p2p/ peer id', async () => {
    const peer = await peerIdFromSeed(newOrg().seed);
    const [target] = parseBootstrap([`/ip4/127.0.0.1/tcp/4001/p2p/${peer}`]);
    expect(target?.peer.equals(peer)).toBe(true);
    expect(code(() => parseBootstrap(['/ip4/127.0.0.1/tcp/4001']))).toBe('NET_ADDRESS_INVALID');
    expect(code(() => parseBootstrap(['not a multiaddr']))).toBe('NET_ADDRESS_INVALID');
  });
});

describe('first-witnessed times and late recording', () => {
  it('WitnessTimes answers like firstWitnessed over everything added', () => {
    const times = new WitnessTimes();
    const added: Array<{ size: number; timestamp: number }> = [];
    const add = (size: number, timestamp: number) => {
      times.add(size, timestamp);
      added.push({ size, timestamp });
    };
    expect(times.first(0)).toBeUndefined();
    add(3, 50);
    add(6, 40);
    add(2, 60);
    add(6, 45);
    add(9, 30);
    add(3, 20);
    for (let index = 0; index < 11; index++) {
      const expected = added
        .filter((w) => w.size > index)
        .reduce<number | undefined>(
          (m, w) => (m === undefined || w.timestamp < m ? w.timestamp : m),
          undefined,
        );
      expect(times.first(index), `index ${index}`).toBe(expected);
    }
    expect(() => times.first(-1)).toThrow(RangeError);
  });

  it('flags an entry first witnessed more than 24 h after its claimed time', () => {
    const claimed = 1_700_000_000_000;
    const day = 24 * 3_600_000;
    expect(LATE_RECORDING_MS).toBe(day);
    expect(lateRecording(claimed, (claimed + day) / 1000, 0)).toEqual({ late: false, lagMs: day });
    expect(lateRecording(claimed, (claimed + day + 1000) / 1000, 0)).toEqual({
      late: true,
      lagMs: day + 1000,
    });
    // A witness before the claimed time (clock skew) is no lag.
    expect(lateRecording(claimed, claimed / 1000 - 5, 0)).toEqual({ late: false, lagMs: 0 });
    // Unwitnessed: late once the threshold has passed, unknown before.
    expect(lateRecording(claimed, undefined, claimed + 2 * day)).toEqual({ late: true, lagMs: 2 * day });
    expect(lateRecording(claimed, undefined, claimed + 60_000)).toEqual({
      late: undefined,
      lagMs: undefined,
    });
    expect(lateRecording(claimed, (claimed + 10 * 60_000) / 1000, 0, 5 * 60_000).late).toBe(true);
  });
});
