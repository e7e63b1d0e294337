/**
 * The node's side of the governance log (issue 5): actions stored durably and folded again at
 * start; the ledger node judging appends at its governance position and recording it in every
 * header; the replica store judging other orgs' blocks at the position they claim (unknown and
 * mismatched positions, overlap windows, freeze points, orgs added later); the gater's membership;
 * the header-key resolver; the HTTP endpoints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, type KeyPair, toBase64, toHex, utf8 } from '@liuhen/core';
import { encodeSignedAction, type SignedAction } from '@liuhen/governance';
import type { GovernanceReplicator } from '@liuhen/net';
import { LedgerStore } from '@liuhen/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GovernanceAdmission, headerKeyResolver } from '../src/governance-net.ts';
import type { LedgerNode } from '../src/ledger-node.ts';
import { appoint, code, jointDraft, T0 } from './fixtures.ts';
import {
  addLab,
  OrgLog,
  OWN,
  REMOTE,
  removeOrg,
  rotateKey,
  type TestNetwork,
  testApi,
  twoOrgNetwork,
} from './governance-fixtures.ts';

let dir: string;
let contractor: KeyPair;
let supervisor: KeyPair;
let lab: KeyPair;
let net: TestNetwork;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-governance-node-'));
  ({ contractor, supervisor, net } = twoOrgNetwork());
  lab = generateKeyPair();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function openStore(name = 'db'): Promise<LedgerStore> {
  return LedgerStore.open(join(dir, name));
}

/** A log of `org`, signed by `key`. */
const orgLog = (org: string, key: KeyPair) => new OrgLog(net.network, org, key);

describe('NodeGovernance', () => {
  it('stores each applied action, folds them again at start, and refuses what does not apply', async () => {
    let store = await openStore();
    let gov = await net.openGovernance(store);
    expect(gov.seq).toBe(0);
    const add = net.act(gov.state, addLab(lab.publicKey));
    const applied: number[] = [];
    gov.onApplied(({ position }) => applied.push(position.seq));
    await gov.submit(encodeSignedAction(add));
    expect(gov.seq).toBe(1);
    expect(applied).toEqual([1]);
    expect(toHex(gov.orgKeys.get('lab') as Uint8Array)).toBe(toHex(lab.publicKey));

    const remove = removeOrg('lab', 0, 'test');
    expect(await code(gov.submit(add))).toBe('GOV_ACTION_REPLAYED');
    expect(await code(gov.submit(net.act(gov.state, remove, [0])))).toBe('GOV_UNDER_THRESHOLD');
    expect(await code(gov.submit(net.act(gov.state, remove, [0, 0 + 1], 3)))).toBe('GOV_ACTION_OUT_OF_ORDER');
    expect(await code(gov.submit(utf8('not a signed action')))).toMatch(/^CBOR_/);
    expect(store.governanceSeq).toBe(1);
    await store.close();

    store = await openStore();
    gov = await net.openGovernance(store);
    expect(gov.seq).toBe(1);
    expect(gov.actionBytes(1, 1)).toEqual([encodeSignedAction(add)]);
    expect(gov.state.isMember('lab')).toBe(true);
    // A stored action that does not apply makes the store corrupt, never a silent skip.
    await store.appendGovernanceAction(2, encodeSignedAction(net.act(gov.state, remove, [0])));
    await store.close();
    store = await openStore();
    expect(await code(net.openGovernance(store))).toBe('STORE_CORRUPT');
    await store.close();
  });
});

describe('authority rotation at the node', () => {
  it('after authority.rotate, signed by the old set, only the new set can sign', async () => {
    const store = await openStore();
    const gov = await net.openGovernance(store);
    const fresh = [generateKeyPair(), generateKeyPair()];
    await gov.submit(
      net.act(gov.state, {
        type: 'authority.rotate',
        body: { keys: fresh.map((k) => k.publicKey), threshold: 2 },
      }),
    );
    // The old set (authorities 1 and 2) can no longer sign …
    expect(await code(gov.submit(net.act(gov.state, addLab(lab.publicKey))))).toBe(
      'GOV_SIGNER_NOT_AUTHORITY',
    );
    // … the new one can.
    await gov.submit(net.act(gov.state, addLab(lab.publicKey), fresh));
    expect(gov.seq).toBe(2);
    await store.close();
  });
});

describe('LedgerNode under governance', () => {
  const openNode = (org: string, key: KeyPair, store: LedgerStore) =>
    net.openNode(store, org, key, { blockIntervalMs: 5, now: () => T0 + 86_400_000 });

  const record = (node: LedgerNode, operator: KeyPair) => node.appendUnsigned(jointDraft(), operator.seed);

  it('records the governance position in each header, and refuses appends once the org is removed', async () => {
    const store = await openStore();
    const node = await openNode(REMOTE, contractor, store);
    const qi = await appoint(node, { nodeKey: contractor }, ['QI']);
    expect(node.latestHeader?.governance.seq).toBe(0);
    expect(toHex(node.latestHeader?.governance.hash as Uint8Array)).toBe(toHex(net.network));
    const add = net.act(node.governance.state, addLab(lab.publicKey));
    await node.governance.submit(add);
    await record(node, qi);
    expect(node.latestHeader?.governance).toEqual({ seq: 1, hash: add.hash });
    await node.governance.submit(net.act(node.governance.state, removeOrg(REMOTE, 2, 'test')));
    expect(node.signingVerdict()?.code).toBe('UNKNOWN_ORG');
    expect(await code(record(node, qi))).toBe('UNKNOWN_ORG');
    expect(node.committedSize).toBe(2);
    await node.close();
  });

  it('signs with a rotated-out key up to its last height only; the new key continues the log', async () => {
    let store = await openStore();
    let node = await openNode(REMOTE, contractor, store);
    const qi = await appoint(node, { nodeKey: contractor }, ['QI']);
    const next = generateKeyPair();
    // Before the rotation the new key is not the org's: the node refuses to open with it.
    await node.close();
    store = await openStore();
    expect(await code(openNode(REMOTE, next, store))).toBe('CONFIG_INVALID');
    node = await openNode(REMOTE, contractor, store);
    await node.governance.submit(net.act(node.governance.state, rotateKey(REMOTE, next.publicKey, 2)));
    expect((await record(node, qi)).height).toBe(2);
    expect(await code(record(node, qi))).toBe('NODE_KEY_RETIRED');
    await node.close();

    store = await openStore();
    node = await openNode(REMOTE, next, store);
    const ack = await record(node, qi);
    expect(ack.height).toBe(3);
    expect(node.latestHeader?.note.signatures).toHaveLength(1);
    await node.close();
  });

  it('an org added later starts refusing appends and accepts them once the action is applied', async () => {
    const store = await openStore();
    const node = await openNode('lab', lab, store);
    expect(node.signingVerdict()?.code).toBe('UNKNOWN_ORG');
    expect(await code(appoint(node, { nodeKey: lab }, ['QI']))).toBe('UNKNOWN_ORG');
    await node.governance.submit(net.act(node.governance.state, addLab(lab.publicKey)));
    await appoint(node, { nodeKey: lab }, ['QI']);
    expect(node.latestHeader?.governance.seq).toBe(1);
    await node.close();
  });
});

describe('NodeReplicaStore under governance', () => {
  it('judges each block at the position it claims: unknown, mismatched, overlap window, not yet valid', async () => {
    const db = await net.openReplica(dir, OWN);
    const log = orgLog(REMOTE, contractor);
    const g0 = net.origin;
    await db.replica.accept(REMOTE, log.block([log.appointment(), log.record()], g0));

    // A position this node has not verified: fetch first (GOV_POSITION_UNKNOWN); another history's hash.
    expect(
      await code(
        db.replica.accept(
          REMOTE,
          log.block([log.record()], { seq: 1, hash: net.network }, contractor, false),
        ),
      ),
    ).toBe('GOV_POSITION_UNKNOWN');
    expect(
      await code(
        db.replica.accept(
          REMOTE,
          log.block([log.record()], { seq: 0, hash: new Uint8Array(32) }, contractor, false),
        ),
      ),
    ).toBe('GOV_POSITION_MISMATCH');

    // Rotation at position 1, the old key signing up to height 3.
    const next = generateKeyPair();
    await db.governance.submit(net.act(db.governance.state, rotateKey(REMOTE, next.publicKey, 3)));
    const g1 = db.governance.head;
    await db.replica.accept(REMOTE, log.block([log.record()], g1)); // height 2, old key, window
    await db.replica.accept(REMOTE, log.block([log.record()], g1)); // height 3, old key, its last
    expect(await code(db.replica.accept(REMOTE, log.block([log.record()], g1, contractor, false)))).toBe(
      'NODE_KEY_RETIRED',
    );
    expect(await code(db.replica.accept(REMOTE, log.block([log.record()], g0, next, false)))).toBe(
      'NODE_KEY_NOT_YET_VALID',
    );
    // A key that was never the org's.
    expect(
      await code(db.replica.accept(REMOTE, log.block([log.record()], g1, generateKeyPair(), false))),
    ).toBe('NODE_KEY_UNKNOWN');
    await db.replica.accept(REMOTE, log.block([log.record()], g1, next)); // height 4, new key
    expect(await db.size(REMOTE)).toBe(5);

    // Entries signed by the node key follow the same window: an org.* entry by the old key above it.
    log.key = contractor;
    const lateAppointment = log.appointment(generateKeyPair());
    log.key = next;
    expect(await code(db.replica.accept(REMOTE, log.block([lateAppointment], g1, next, false)))).toBe(
      'NODE_KEY_RETIRED',
    );
    await db.close();
  });

  it('refuses a removed org beyond its freeze point, whatever position it claims; keeps what is below', async () => {
    const db = await net.openReplica(dir, OWN);
    const log = orgLog(REMOTE, contractor);
    const g0 = net.origin;
    await db.replica.accept(REMOTE, log.block([log.appointment(), log.record()], g0));
    await db.governance.submit(net.act(db.governance.state, removeOrg(REMOTE, 3, 'compromised')));
    // Below the freeze point, at a position before the removal: valid.
    await db.replica.accept(REMOTE, log.block([log.record()], g0));
    expect(await code(db.replica.accept(REMOTE, log.block([log.record()], g0, contractor, false)))).toBe(
      'ORG_FROZEN',
    );
    expect(
      await code(db.replica.accept(REMOTE, log.block([log.record()], db.governance.head, contractor, false))),
    ).toBe('UNKNOWN_ORG');
    expect(await db.size(REMOTE)).toBe(3);
    expect((await db.replica.orgStates())[REMOTE]?.frozen).toBe(true);
    await db.close();
  });

  it("an operator's entries after their revocation are refused; those before stay; an org added later joins", async () => {
    const db = await net.openReplica(dir, OWN);
    const log = orgLog(REMOTE, contractor);
    const g0 = net.origin;
    await db.replica.accept(REMOTE, log.block([log.appointment(), log.record(), log.record()], g0));
    await db.replica.accept(REMOTE, log.block([log.revocation()], g0));
    expect(await code(db.replica.accept(REMOTE, log.block([log.record()], g0, contractor, false)))).toBe(
      'OPERATOR_REVOKED',
    );
    expect(await db.size(REMOTE)).toBe(4);

    const labLog = orgLog('lab', lab);
    expect(await code(db.replica.accept('lab', labLog.block([labLog.appointment()], g0, lab, false)))).toBe(
      'NET_ORG_UNKNOWN',
    );
    await db.governance.submit(net.act(db.governance.state, addLab(lab.publicKey)));
    // Known now, but a block claiming a position before it was added is not a member's.
    expect(await code(db.replica.accept('lab', labLog.block([labLog.appointment()], g0, lab, false)))).toBe(
      'UNKNOWN_ORG',
    );
    await db.replica.accept('lab', labLog.block([labLog.appointment(), labLog.record()], db.governance.head));
    expect(await db.size('lab')).toBe(2);
    expect(Object.keys(await db.replica.orgStates())).toContain('lab');
    await db.close();
  });

  it('the header-key resolver fetches an unverified position first, and holds the block back if it cannot', async () => {
    const db = await net.openReplica(dir, OWN);
    const log = orgLog(REMOTE, contractor);
    const pending = net.act(db.governance.state, addLab(lab.publicKey));
    let fetched = false;
    const fetcher = {
      catchUp: async () => {
        if (!fetched) return false;
        await db.governance.submit(pending).catch(() => undefined);
        return true;
      },
    } as unknown as GovernanceReplicator;
    const resolve = headerKeyResolver(db.governance, () => fetcher);
    const header = log.block([log.appointment()], { seq: 1, hash: pending.hash }).header;
    expect(await resolve(header, undefined)).toMatchObject({ result: 'pending' });
    fetched = true;
    expect(await resolve(header, undefined)).toEqual({ key: contractor.publicKey });
    expect(db.governance.seq).toBe(1);
    const forged = orgLog(REMOTE, generateKeyPair()).block([log.record()], db.governance.head).header;
    expect(await resolve(forged, undefined)).toMatchObject({ result: 'invalid' });
    await db.governance.submit(net.act(db.governance.state, removeOrg(REMOTE, 0, 'gone')));
    expect(await resolve(header, undefined)).toMatchObject({ result: 'frozen' });
    await db.close();
  });
});

describe('the gater follows the governance state', () => {
  it('drops a removed org, admits an added one, and a rotated-out key only within its window', async () => {
    const db = await net.openReplica(dir, OWN);
    const gov = db.governance;
    const admission = await GovernanceAdmission.open(gov, db.store);
    expect(admission.admits(contractor.publicKey)).toBe(true);
    expect(admission.admits(lab.publicKey)).toBe(false);
    await gov.submit(net.act(gov.state, addLab(lab.publicKey)));
    expect(await admission.refresh()).toBe(false);
    expect(admission.admits(lab.publicKey)).toBe(true);

    const next = generateKeyPair();
    await gov.submit(net.act(gov.state, rotateKey(REMOTE, next.publicKey, 1)));
    await admission.refresh();
    expect(admission.admits(next.publicKey)).toBe(true);
    // Both keys within the window (the org's log is below height 1 here) …
    expect(admission.admits(contractor.publicKey)).toBe(true);
    const log = orgLog(REMOTE, contractor);
    await db.replica.accept(REMOTE, log.block([log.appointment()], net.origin));
    expect(await admission.refresh()).toBe(false);
    expect(admission.admits(contractor.publicKey)).toBe(true);
    // … and only the new key once the log is above it.
    await db.replica.accept(REMOTE, log.block([log.record()], gov.head, next));
    expect(await admission.refresh()).toBe(true);
    expect(admission.admits(contractor.publicKey)).toBe(false);
    expect(admission.admits(next.publicKey)).toBe(true);

    await gov.submit(net.act(gov.state, removeOrg('lab', 0, 'left')));
    expect(await admission.refresh()).toBe(true);
    expect(admission.admits(lab.publicKey)).toBe(false);
    expect(admission.admits(supervisor.publicKey)).toBe(true);
    await db.close();
  });
});

describe('the governance HTTP endpoints', () => {
  it('show the log and take signed actions, answering refusals with their codes', async () => {
    const store = await openStore();
    const node = await net.openNode(store, OWN, supervisor);
    const app = await testApi(node);
    const auth = { authorization: 'Bearer test' };
    const submit = (signed: SignedAction | Uint8Array) =>
      app.inject({
        method: 'POST',
        url: '/v1/governance/actions',
        headers: auth,
        payload: {
          signedAction: toBase64(signed instanceof Uint8Array ? signed : encodeSignedAction(signed)),
        },
      });
    const add = net.act(node.governance.state, addLab(lab.publicKey));
    const under = await submit(net.act(node.governance.state, addLab(lab.publicKey), [2]));
    expect([under.statusCode, under.json().error.code]).toEqual([403, 'GOV_UNDER_THRESHOLD']);
    const ok = await submit(add);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ seq: 1, hash: toHex(add.hash), type: 'org.add', gossiped: false });
    const replay = await submit(add);
    expect([replay.statusCode, replay.json().error.code]).toEqual([409, 'GOV_ACTION_REPLAYED']);
    const garbage = await submit(utf8('garbage'));
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error.code).toMatch(/^CBOR_/);

    const state = (await app.inject({ method: 'GET', url: '/v1/governance', headers: auth })).json();
    expect(state).toMatchObject({ network: toHex(net.network), seq: 1, head: toHex(add.hash) });
    expect(state.orgs.map((o: { id: string }) => o.id)).toEqual([REMOTE, OWN, 'lab']);
    expect(state.actions[0]).toMatchObject({
      seq: 1,
      type: 'org.add',
      signedAction: toBase64(encodeSignedAction(add)),
    });
    const status = (await app.inject({ method: 'GET', url: '/v1/status', headers: auth })).json();
    expect(status.governance).toEqual({ seq: 1, head: toHex(add.hash) });
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/v1/governance', '/v1/governance/actions']),
    );
    await app.close();
    await node.close();
  });
});
