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
import {
  type Block,
  buildEntry,
  cutBlock,
  emptyLogState,
  type GovernancePosition,
  generateKeyPair,
  type KeyPair,
  type LogState,
  signEntry,
  toBase64,
  toHex,
  utf8,
} from '@liuhen/core';
import {
  type ActionChange,
  appointmentBody,
  encodeGenesis,
  encodeSignedAction,
  type Genesis,
  type GovernanceState,
  networkId,
  proposeAction,
  revocationBody,
  type SignedAction,
  signAction,
} from '@liuhen/governance';
import type { GovernanceReplicator } from '@liuhen/net';
import { LedgerStore } from '@liuhen/store';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeGovernance } from '../src/governance.ts';
import { GovernanceAdmission, headerKeyResolver } from '../src/governance-net.ts';
import { createApi } from '../src/http/server.ts';
import { LedgerNode } from '../src/ledger-node.ts';
import { NodeReplicaStore } from '../src/replica-store.ts';
import { jointBody, SEGMENT, T0, testGenesis } from './fixtures.ts';

const REMOTE = 'contractor';
const OWN = 'supervisor';

let dir: string;
let authorities: KeyPair[];
let contractor: KeyPair;
let supervisor: KeyPair;
let lab: KeyPair;
let genesis: Genesis;
let network: Uint8Array;
let clock: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-governance-node-'));
  authorities = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  contractor = generateKeyPair();
  supervisor = generateKeyPair();
  lab = generateKeyPair();
  genesis = {
    ...testGenesis([
      { id: REMOTE, nodeKey: contractor.publicKey },
      { id: OWN, nodeKey: supervisor.publicKey },
    ]),
    authorities: { keys: authorities.map((a) => a.publicKey), threshold: 2 },
  };
  network = networkId(encodeGenesis(genesis));
  clock = T0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The next action of `state`, signed by authorities `by` (default 1 and 2 of 3). */
function act(state: GovernanceState, change: ActionChange, by = [0, 1], seq = state.seq + 1): SignedAction {
  let signed = proposeAction({
    version: 1,
    network,
    seq,
    previous: state.head.hash,
    time: T0 + seq,
    ...change,
  } as never);
  for (const i of by) signed = signAction(signed, (authorities[i] as KeyPair).seed);
  return signed;
}

const addLab = (): ActionChange => ({
  type: 'org.add',
  body: {
    id: 'lab',
    name: 'Test Lab',
    creditCode: '91440300MA5F00003G',
    nodeKey: lab.publicKey,
    parties: ['lab'],
    bootstrap: [],
  },
});

async function openStore(name = 'db'): Promise<LedgerStore> {
  return LedgerStore.open(join(dir, name));
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return 'ok';
}

/** One log of `org`, cut by the test: appointments, records and blocks at any claimed position. */
class Log {
  state: LogState = emptyLogState();
  readonly operator = generateKeyPair();

  constructor(
    readonly org: string,
    public key: KeyPair,
  ) {}

  #entry(signer: KeyPair, role: string, kind: string, body: Record<string, unknown>, object = SEGMENT) {
    clock += 1000;
    return signEntry(
      buildEntry({
        network,
        org: this.org,
        object,
        kind,
        time: clock,
        signer: signer.publicKey,
        role,
        body,
      } as never),
      signer.seed,
    ).envelope;
  }

  appointment(operator = this.operator): Uint8Array {
    return this.#entry(
      this.key,
      'ORG',
      'org.operator-appointed',
      appointmentBody({
        operator: operator.publicKey,
        name: 'Li Wei',
        roles: ['QI'],
        licence: 'L-1',
        idHash: new Uint8Array(32),
        validFrom: T0,
        validUntil: T0 + 365 * 86_400_000,
      }) as never,
      'operators',
    );
  }

  revocation(operator = this.operator): Uint8Array {
    return this.#entry(
      this.key,
      'ORG',
      'org.operator-revoked',
      revocationBody({ operator: operator.publicKey, reason: 'left' }) as never,
      'operators',
    );
  }

  record(operator = this.operator): Uint8Array {
    return this.#entry(operator, 'QI', 'construction.joint-made', jointBody(clock / 1000));
  }

  /** A block claiming `governance`, signed by `key`; `keep` false leaves the log where it was. */
  block(envelopes: Uint8Array[], governance: GovernancePosition, key = this.key, keep = true): Block {
    const cut = cutBlock(this.state, envelopes, {
      network,
      org: this.org,
      seed: key.seed,
      time: clock,
      governance,
    });
    if (keep) this.state = cut.state;
    return cut.block;
  }
}

async function openReplica() {
  const store = await openStore();
  const governance = await NodeGovernance.open({ store, genesis, networkId: network });
  const replica = await NodeReplicaStore.open({
    store,
    genesis,
    ownOrg: OWN,
    cosignaturesFile: join(dir, 'cosignatures.jsonl'),
    fraudProofsFile: join(dir, 'fraud-proofs.jsonl'),
    governance,
  });
  return {
    governance,
    replica,
    store,
    size: async (org: string) => (await replica.logState(org)).frontier.size,
    close: async () => {
      await replica.close();
      await store.close();
    },
  };
}

describe('NodeGovernance', () => {
  it('stores each applied action, folds them again at start, and refuses what does not apply', async () => {
    let store = await openStore();
    let gov = await NodeGovernance.open({ store, genesis, networkId: network });
    expect(gov.seq).toBe(0);
    const add = act(gov.state, addLab());
    const applied: number[] = [];
    gov.onApplied(({ position }) => applied.push(position.seq));
    await gov.submit(encodeSignedAction(add));
    expect(gov.seq).toBe(1);
    expect(applied).toEqual([1]);
    expect(toHex(gov.orgKeys.get('lab') as Uint8Array)).toBe(toHex(lab.publicKey));

    const remove = { type: 'org.remove', body: { org: 'lab', freezeSize: 0, reason: 'test' } } as const;
    expect(await code(gov.submit(add))).toBe('GOV_ACTION_REPLAYED');
    expect(await code(gov.submit(act(gov.state, remove, [0])))).toBe('GOV_UNDER_THRESHOLD');
    expect(await code(gov.submit(act(gov.state, remove, [0, 0 + 1], 3)))).toBe('GOV_ACTION_OUT_OF_ORDER');
    expect(await code(gov.submit(utf8('not a signed action')))).toMatch(/^CBOR_/);
    expect(store.governanceSeq).toBe(1);
    await store.close();

    store = await openStore();
    gov = await NodeGovernance.open({ store, genesis, networkId: network });
    expect(gov.seq).toBe(1);
    expect(gov.actionBytes(1, 1)).toEqual([encodeSignedAction(add)]);
    expect(gov.state.isMember('lab')).toBe(true);
    // A stored action that does not apply makes the store corrupt, never a silent skip.
    await store.appendGovernanceAction(2, encodeSignedAction(act(gov.state, remove, [0])));
    await store.close();
    store = await openStore();
    expect(await code(NodeGovernance.open({ store, genesis, networkId: network }))).toBe('STORE_CORRUPT');
    await store.close();
  });
});

describe('authority rotation at the node', () => {
  it('after authority.rotate, signed by the old set, only the new set can sign', async () => {
    const store = await openStore();
    const gov = await NodeGovernance.open({ store, genesis, networkId: network });
    const fresh = [generateKeyPair(), generateKeyPair()];
    await gov.submit(
      act(gov.state, {
        type: 'authority.rotate',
        body: { keys: fresh.map((k) => k.publicKey), threshold: 2 },
      }),
    );
    // The old set (authorities 1 and 2) can no longer sign …
    expect(await code(gov.submit(act(gov.state, addLab())))).toBe('GOV_SIGNER_NOT_AUTHORITY');
    // … the new one can.
    let signed = proposeAction({
      version: 1,
      network,
      seq: 2,
      previous: gov.head.hash,
      time: T0 + 2,
      ...addLab(),
    } as never);
    for (const k of fresh) signed = signAction(signed, k.seed);
    await gov.submit(signed);
    expect(gov.seq).toBe(2);
    await store.close();
  });
});

describe('LedgerNode under governance', () => {
  async function openNode(org: string, key: KeyPair, store: LedgerStore): Promise<LedgerNode> {
    return LedgerNode.open({
      store,
      genesis,
      networkId: network,
      org,
      nodeSeed: key.seed,
      blockIntervalMs: 5,
      now: () => T0 + 86_400_000,
    });
  }

  async function appoint(node: LedgerNode, seed: Uint8Array): Promise<KeyPair> {
    const operator = generateKeyPair();
    await node.appendUnsigned(
      {
        object: 'operators',
        kind: 'org.operator-appointed',
        role: 'ORG',
        time: T0,
        body: appointmentBody({
          operator: operator.publicKey,
          name: 'Li Wei',
          roles: ['QI'],
          licence: 'L-1',
          idHash: new Uint8Array(32),
          validFrom: T0,
          validUntil: T0 + 365 * 86_400_000,
        }),
      },
      seed,
    );
    return operator;
  }

  const record = (node: LedgerNode, operator: KeyPair) =>
    node.appendUnsigned(
      {
        object: SEGMENT,
        kind: 'construction.joint-made',
        role: 'QI',
        body: jointBody(0),
        time: T0 + 3_600_000,
      },
      operator.seed,
    );

  it('records the governance position in each header, and refuses appends once the org is removed', async () => {
    const store = await openStore();
    const node = await openNode(REMOTE, contractor, store);
    const qi = await appoint(node, contractor.seed);
    expect(node.latestHeader?.governance.seq).toBe(0);
    expect(toHex(node.latestHeader?.governance.hash as Uint8Array)).toBe(toHex(network));
    const add = act(node.governance.state, addLab());
    await node.governance.submit(add);
    await record(node, qi);
    expect(node.latestHeader?.governance).toEqual({ seq: 1, hash: add.hash });
    await node.governance.submit(
      act(node.governance.state, {
        type: 'org.remove',
        body: { org: REMOTE, freezeSize: 2, reason: 'test' },
      }),
    );
    expect(node.signingVerdict()?.code).toBe('UNKNOWN_ORG');
    expect(await code(record(node, qi))).toBe('UNKNOWN_ORG');
    expect(node.committedSize).toBe(2);
    await node.close();
  });

  it('signs with a rotated-out key up to its last height only; the new key continues the log', async () => {
    let store = await openStore();
    let node = await openNode(REMOTE, contractor, store);
    const qi = await appoint(node, contractor.seed);
    const next = generateKeyPair();
    // Before the rotation the new key is not the org's: the node refuses to open with it.
    await node.close();
    store = await openStore();
    expect(await code(openNode(REMOTE, next, store))).toBe('CONFIG_INVALID');
    node = await openNode(REMOTE, contractor, store);
    await node.governance.submit(
      act(node.governance.state, {
        type: 'org.rotate-key',
        body: { org: REMOTE, nodeKey: next.publicKey, oldKeyUntilHeight: 2 },
      }),
    );
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
    expect(await code(appoint(node, lab.seed))).toBe('UNKNOWN_ORG');
    await node.governance.submit(act(node.governance.state, addLab()));
    await appoint(node, lab.seed);
    expect(node.latestHeader?.governance.seq).toBe(1);
    await node.close();
  });
});

describe('NodeReplicaStore under governance', () => {
  it('judges each block at the position it claims: unknown, mismatched, overlap window, not yet valid', async () => {
    const db = await openReplica();
    const log = new Log(REMOTE, contractor);
    const g0 = { seq: 0, hash: network };
    await db.replica.accept(REMOTE, log.block([log.appointment(), log.record()], g0));

    // A position this node has not verified: fetch first (GOV_POSITION_UNKNOWN); another history's hash.
    expect(
      await code(
        db.replica.accept(REMOTE, log.block([log.record()], { seq: 1, hash: network }, contractor, false)),
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
    await db.governance.submit(
      act(db.governance.state, {
        type: 'org.rotate-key',
        body: { org: REMOTE, nodeKey: next.publicKey, oldKeyUntilHeight: 3 },
      }),
    );
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
    const db = await openReplica();
    const log = new Log(REMOTE, contractor);
    const g0 = { seq: 0, hash: network };
    await db.replica.accept(REMOTE, log.block([log.appointment(), log.record()], g0));
    await db.governance.submit(
      act(db.governance.state, {
        type: 'org.remove',
        body: { org: REMOTE, freezeSize: 3, reason: 'compromised' },
      }),
    );
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
    const db = await openReplica();
    const log = new Log(REMOTE, contractor);
    const g0 = { seq: 0, hash: network };
    await db.replica.accept(REMOTE, log.block([log.appointment(), log.record(), log.record()], g0));
    await db.replica.accept(REMOTE, log.block([log.revocation()], g0));
    expect(await code(db.replica.accept(REMOTE, log.block([log.record()], g0, contractor, false)))).toBe(
      'OPERATOR_REVOKED',
    );
    expect(await db.size(REMOTE)).toBe(4);

    const labLog = new Log('lab', lab);
    expect(await code(db.replica.accept('lab', labLog.block([labLog.appointment()], g0, lab, false)))).toBe(
      'NET_ORG_UNKNOWN',
    );
    await db.governance.submit(act(db.governance.state, addLab()));
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
    const db = await openReplica();
    const log = new Log(REMOTE, contractor);
    const pending = act(db.governance.state, addLab());
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
    const forged = new Log(REMOTE, generateKeyPair()).block([log.record()], db.governance.head).header;
    expect(await resolve(forged, undefined)).toMatchObject({ result: 'invalid' });
    await db.governance.submit(
      act(db.governance.state, { type: 'org.remove', body: { org: REMOTE, freezeSize: 0, reason: 'gone' } }),
    );
    expect(await resolve(header, undefined)).toMatchObject({ result: 'frozen' });
    await db.close();
  });
});

describe('the gater follows the governance state', () => {
  it('drops a removed org, admits an added one, and a rotated-out key only within its window', async () => {
    const db = await openReplica();
    const gov = db.governance;
    const admission = await GovernanceAdmission.open(gov, db.store);
    expect(admission.admits(contractor.publicKey)).toBe(true);
    expect(admission.admits(lab.publicKey)).toBe(false);
    await gov.submit(act(gov.state, addLab()));
    expect(await admission.refresh()).toBe(false);
    expect(admission.admits(lab.publicKey)).toBe(true);

    const next = generateKeyPair();
    await gov.submit(
      act(gov.state, {
        type: 'org.rotate-key',
        body: { org: REMOTE, nodeKey: next.publicKey, oldKeyUntilHeight: 1 },
      }),
    );
    await admission.refresh();
    expect(admission.admits(next.publicKey)).toBe(true);
    // Both keys within the window (the org's log is below height 1 here) …
    expect(admission.admits(contractor.publicKey)).toBe(true);
    const log = new Log(REMOTE, contractor);
    await db.replica.accept(REMOTE, log.block([log.appointment()], { seq: 0, hash: network }));
    expect(await admission.refresh()).toBe(false);
    expect(admission.admits(contractor.publicKey)).toBe(true);
    // … and only the new key once the log is above it.
    await db.replica.accept(REMOTE, log.block([log.record()], gov.head, next));
    expect(await admission.refresh()).toBe(true);
    expect(admission.admits(contractor.publicKey)).toBe(false);
    expect(admission.admits(next.publicKey)).toBe(true);

    await gov.submit(
      act(gov.state, { type: 'org.remove', body: { org: 'lab', freezeSize: 0, reason: 'left' } }),
    );
    expect(await admission.refresh()).toBe(true);
    expect(admission.admits(lab.publicKey)).toBe(false);
    expect(admission.admits(supervisor.publicKey)).toBe(true);
    await db.close();
  });
});

describe('the governance HTTP endpoints', () => {
  it('show the log and take signed actions, answering refusals with their codes', async () => {
    const store = await openStore();
    const node = await LedgerNode.open({
      store,
      genesis,
      networkId: network,
      org: OWN,
      nodeSeed: supervisor.seed,
    });
    const app = await createApi({
      node,
      blobs: undefined as never,
      tokens: [{ sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', name: 't' }],
      operatorSeeds: new Map(),
      logger: pino({ level: 'silent' }),
      maxBlobBytes: 1024,
      version: 'test',
    });
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
    const add = act(node.governance.state, addLab());
    const under = await submit(act(node.governance.state, addLab(), [2]));
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
    expect(state).toMatchObject({ network: toHex(network), seq: 1, head: toHex(add.hash) });
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
