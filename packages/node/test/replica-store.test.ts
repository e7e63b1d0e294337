/**
 * NodeReplicaStore: other orgs' blocks verified (applyBlock) and authority-checked at their log
 * positions before they are committed to the LevelDB store; cosignatures and fraud proofs durable
 * across a reopen; a fraud proof freezes its org.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Block,
  buildEntry,
  cosign,
  cutBlock,
  type EntryDraft,
  emptyLogState,
  generateKeyPair,
  type KeyPair,
  type LogState,
  signEntry,
} from '@liuhen/core';
import { appointmentBody, encodeGenesis, type Genesis, networkId, revocationBody } from '@liuhen/governance';
import { sampleBody, sampleSegment } from '@liuhen/profile-pipe/scenario';
import { LedgerStore } from '@liuhen/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeReplicaStore } from '../src/replica-store.ts';
import { T0, testGenesis } from './fixtures.ts';

const REMOTE = 'contractor';
const OWN = 'supervisor';

let dir: string;
let remoteKey: KeyPair;
let genesis: Genesis;
let network: Uint8Array;
let state: LogState;
let time = T0;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-replica-test-'));
  remoteKey = generateKeyPair();
  genesis = testGenesis([
    { id: REMOTE, nodeKey: remoteKey.publicKey },
    { id: OWN, nodeKey: generateKeyPair().publicKey },
  ]);
  network = networkId(encodeGenesis(genesis));
  state = emptyLogState();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function open(): Promise<{ store: LedgerStore; replica: NodeReplicaStore; close(): Promise<void> }> {
  const store = await LedgerStore.open(join(dir, 'db'));
  const replica = await NodeReplicaStore.open({
    store,
    genesis,
    ownOrg: OWN,
    cosignaturesFile: join(dir, 'cosignatures.jsonl'),
    fraudProofsFile: join(dir, 'fraud-proofs.jsonl'),
  });
  return {
    store,
    replica,
    close: async () => {
      await replica.close();
      await store.close();
    },
  };
}

function entry(signer: KeyPair, draft: Partial<EntryDraft>): Uint8Array {
  time += 1000;
  return signEntry(
    buildEntry({
      network,
      org: REMOTE,
      object: sampleSegment(1),
      kind: 'construction.joint-made',
      time,
      signer: signer.publicKey,
      role: 'QI',
      body: sampleBody('construction.joint-made', time / 1000),
      ...draft,
    }),
    signer.seed,
  ).envelope;
}

const appointment = (operator: KeyPair) =>
  entry(remoteKey, {
    object: 'operators',
    kind: 'org.operator-appointed',
    role: 'ORG',
    body: appointmentBody({
      operator: operator.publicKey,
      name: 'Li Wei',
      roles: ['QI'],
      licence: 'L-1',
      idHash: new Uint8Array(32),
      validFrom: T0,
      validUntil: T0 + 365 * 86_400_000,
    }),
  });

const revocation = (operator: KeyPair) =>
  entry(remoteKey, {
    object: 'operators',
    kind: 'org.operator-revoked',
    role: 'ORG',
    body: revocationBody({ operator: operator.publicKey, reason: 'left' }),
  });

/** The remote org's next block; `keep` false leaves the log state where it was. */
function block(envelopes: Uint8Array[], keep = true): Block {
  const cut = cutBlock(state, envelopes, {
    network,
    org: REMOTE,
    seed: remoteKey.seed,
    time,
    governance: { seq: 0, hash: network },
  });
  if (keep) state = cut.state;
  return cut.block;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return 'resolved';
}

describe('NodeReplicaStore', () => {
  it('accepts verified blocks whose entries have authority at their log positions', async () => {
    const db = await open();
    const qi = generateKeyPair();
    const stranger = generateKeyPair();
    await db.replica.accept(REMOTE, block([appointment(qi), entry(qi, {})]));
    expect((await db.replica.logState(REMOTE)).frontier.size).toBe(2);

    // An operator never appointed: refused, nothing stored, the registry intact.
    expect(await failure(db.replica.accept(REMOTE, block([entry(stranger, {})], false)))).toBe(
      'OPERATOR_UNKNOWN',
    );
    expect((await db.replica.logState(REMOTE)).frontier.size).toBe(2);

    // Revoked and then signing in the same block: refused; the half-fed registry is rebuilt.
    expect(await failure(db.replica.accept(REMOTE, block([revocation(qi), entry(qi, {})], false)))).toBe(
      'OPERATOR_REVOKED',
    );
    await db.replica.accept(REMOTE, block([entry(qi, { object: sampleSegment(2) })]));
    expect((await db.replica.logState(REMOTE)).frontier.size).toBe(3);

    // A block that does not verify (signed by another key) and a block of the own org.
    const forged = block([entry(qi, {})], false);
    const other = generateKeyPair();
    const wrongKey = cutBlock((await db.replica.logState(REMOTE)) as LogState, forged.envelopes, {
      network,
      org: REMOTE,
      seed: other.seed,
      time,
      governance: { seq: 0, hash: network },
    }).block;
    expect(await failure(db.replica.accept(REMOTE, wrongKey))).not.toBe('resolved');
    expect(await failure(db.replica.accept(OWN, forged))).toBe('NET_SYNC_INVALID');
    expect(await failure(db.replica.accept('nobody', forged))).toBe('NET_ORG_UNKNOWN');
    await db.close();

    // After a reopen the registry is rebuilt from the store: the operator still signs.
    const again = await open();
    await again.replica.accept(REMOTE, block([entry(qi, { object: sampleSegment(3) })]));
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
      await failure(
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
    const first = block([appointment(qi)]);
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
    const a = block([entry(qi, { object: 'a' })], false);
    const b = block([entry(qi, { object: 'b' })], false);
    const proof = { first: a.header, second: b.header, proof: [] };
    expect(await db.replica.addFraudProof(REMOTE, proof)).toBe(true);
    expect(await db.replica.addFraudProof(REMOTE, proof)).toBe(false);
    expect(await failure(db.replica.accept(REMOTE, a))).toBe('NET_ORG_FROZEN');
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
