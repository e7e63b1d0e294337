/**
 * NodeReplicaStore: other orgs' blocks verified (applyBlock) and authority-checked at their log
 * positions before they are committed to the LevelDB store; cosignatures and fraud proofs durable
 * across a reopen; a fraud proof freezes its org.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Block, cosign, generateKeyPair, type KeyPair, type SignedEntry } from '@liuhen/core';
import { sampleSegment } from '@liuhen/profile-pipe/scenario';
import { LedgerStore } from '@liuhen/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeReplicaStore } from '../src/replica-store.ts';
import { code, openReplicaStore } from './fixtures.ts';
import { OrgLog, OWN, REMOTE, type TestNetwork, twoOrgNetwork } from './governance-fixtures.ts';

let dir: string;
let net: TestNetwork;
let log: OrgLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-replica-test-'));
  const orgs = twoOrgNetwork();
  net = orgs.net;
  log = new OrgLog(net.network, REMOTE, orgs.contractor);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A replica store without a governance log: it judges by the genesis alone. */
async function open(): Promise<{ store: LedgerStore; replica: NodeReplicaStore; close(): Promise<void> }> {
  const store = await LedgerStore.open(join(dir, 'db'));
  const replica = await openReplicaStore(dir, store, net.genesis, OWN);
  return {
    store,
    replica,
    close: async () => {
      await replica.close();
      await store.close();
    },
  };
}

/** The remote org's next block, at the genesis position; `keep` false leaves the log where it was. */
const block = (entries: SignedEntry[], keep = true, key: KeyPair = log.key): Block =>
  log.block(entries, net.origin, key, keep);

describe('NodeReplicaStore', () => {
  it('accepts verified blocks whose entries have authority at their log positions', async () => {
    const db = await open();
    const qi = generateKeyPair();
    const stranger = generateKeyPair();
    await db.replica.accept(REMOTE, block([log.appointment(qi), log.entry(qi)]));
    expect((await db.replica.logState(REMOTE)).frontier.size).toBe(2);

    // An operator never appointed: refused, nothing stored, the registry intact.
    expect(await code(db.replica.accept(REMOTE, block([log.entry(stranger)], false)))).toBe(
      'OPERATOR_UNKNOWN',
    );
    expect((await db.replica.logState(REMOTE)).frontier.size).toBe(2);

    // Revoked and then signing in the same block: refused; the half-fed registry is rebuilt.
    expect(await code(db.replica.accept(REMOTE, block([log.revocation(qi), log.entry(qi)], false)))).toBe(
      'OPERATOR_REVOKED',
    );
    await db.replica.accept(REMOTE, block([log.entry(qi, { object: sampleSegment(2) })]));
    expect((await db.replica.logState(REMOTE)).frontier.size).toBe(3);

    // A block that does not verify (signed by another key) and a block of the own org.
    const entries = [log.entry(qi)];
    const forged = block(entries, false);
    const wrongKey = block(entries, false, generateKeyPair());
    expect(await code(db.replica.accept(REMOTE, wrongKey))).not.toBe('ok');
    expect(await code(db.replica.accept(OWN, forged))).toBe('NET_SYNC_INVALID');
    expect(await code(db.replica.accept('nobody', forged))).toBe('NET_ORG_UNKNOWN');
    await db.close();

    // After a reopen the registry is rebuilt from the store: the operator still signs.
    const again = await open();
    await again.replica.accept(REMOTE, block([log.entry(qi, { object: sampleSegment(3) })]));
    const blocks: Block[] = [];
    for await (const b of again.replica.blocksFrom(REMOTE, 0, 100)) blocks.push(b);
    expect(blocks.map((b) => [b.header.size, b.envelopes.length])).toEqual([
      [2, 2],
      [3, 1],
      [4, 1],
    ]);
    const tail: Block[] = [];
    for await (const b of again.replica.blocksFrom(REMOTE, 2, 3)) tail.push(b);
    expect(tail.map((b) => b.header.size)).toEqual([3]);
    expect(
      await code(
        (async () => {
          for await (const _ of again.replica.blocksFrom(REMOTE, 1, 4)) {
            // not reached
          }
        })(),
      ),
    ).toBe('NET_SYNC_INVALID');
    expect((await again.replica.latestHeaders()).get(REMOTE)?.size).toBe(4);
    expect((await again.replica.headerAt(REMOTE, 2))?.size).toBe(3);
    await again.close();
  });

  it('keeps cosignatures and fraud proofs across a reopen; a fraud proof freezes the org', async () => {
    const db = await open();
    const qi = generateKeyPair();
    const first = block([log.appointment(qi)]);
    await db.replica.accept(REMOTE, first);
    const witness = generateKeyPair();
    const record = {
      org: REMOTE,
      checkpoint: first.header.text,
      size: first.header.size,
      witness: OWN,
      signature: cosign(first.header.text, OWN, witness.seed, 1_800_000_000),
      timestamp: 1_800_000_000,
    };
    expect(await db.replica.addCosignature(record)).toBe(true);
    expect(await db.replica.addCosignature(record)).toBe(false);

    // Two different headers at height 2: equivocation.
    const a = block([log.entry(qi, { object: 'a' })], false);
    const b = block([log.entry(qi, { object: 'b' })], false);
    const proof = { first: a.header, second: b.header, proof: [] };
    expect(await db.replica.addFraudProof(REMOTE, proof)).toBe(true);
    expect(await db.replica.addFraudProof(REMOTE, proof)).toBe(false);
    expect(await code(db.replica.accept(REMOTE, a))).toBe('NET_ORG_FROZEN');
    await db.close();

    const again = await open();
    expect(await again.replica.hasCosignature(REMOTE, first.header.text, OWN)).toBe(true);
    expect(await again.replica.addCosignature(record)).toBe(false);
    expect(again.replica.cosigners(REMOTE, first.header.text)).toEqual([OWN]);
    expect(await again.replica.isFrozen(REMOTE)).toBe(true);
    expect(again.replica.fraudProofs().map((f) => f.proof.second.text)).toEqual([b.header.text]);
    const orgs = await again.replica.orgStates();
    expect(orgs[REMOTE]).toMatchObject({ size: 1, height: 1, frozen: true, lastCosigners: [OWN] });
    expect(orgs[OWN]).toMatchObject({ size: 0, height: 0, root: null, frozen: false });
    await again.close();
  });
});
