/**
 * `parameter.set` of `maxEntryBytes` takes effect everywhere an entry is judged, at the governance
 * position that judges it (docs/protocol.md §13.6): the append pipeline (the position the next
 * block records, again at the cut if an action arrived meanwhile), the HTTP body limit, the replica
 * store (the position each block claims, also for a block prepared before that position was
 * known) and whole-store verification (each block's position, so entries accepted before a
 * lowering stay valid). The genesis limit is 1,024 bytes; it is raised to 2,048, then lowered back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildEntry, fromHex, generateKeyPair, type KeyPair, signEntry, toBase64 } from '@liuhen/core';
import { indexRecord, LedgerStore } from '@liuhen/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerNode } from '../src/ledger-node.ts';
import { verifyStore } from '../src/verify-store.ts';
import { appointmentDraft, code, jointBody, SEGMENT, T0 } from './fixtures.ts';
import {
  OrgLog,
  OWN,
  photos,
  REMOTE,
  setMaxEntryBytes,
  type TestNetwork,
  testApi,
  twoOrgNetwork,
} from './governance-fixtures.ts';

/** Photos per record for an entry under 1,024 bytes, between 1,024 and 2,048, and over 2,048. */
const SMALL = 2;
const MEDIUM = 4;
const BIG = 8;

let dir: string;
let contractor: KeyPair;
let net: TestNetwork;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-parameters-'));
  ({ contractor, net } = twoOrgNetwork({ maxEntryBytes: 1_024 }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves once `append` waits in the node's queue for its block, or has settled. */
async function whenQueued(node: LedgerNode, append: Promise<unknown>): Promise<void> {
  let settled = false;
  append.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  while (!settled && node.pending === 0) await sleep(5);
}

it('the test entries have the sizes the limits are chosen around', () => {
  const log = new OrgLog(net.network, REMOTE, contractor);
  const size = (n: number) => log.record(n).entryBytes.length;
  expect(size(SMALL)).toBeLessThanOrEqual(1_024);
  expect(size(MEDIUM)).toBeGreaterThan(1_024);
  expect(size(MEDIUM)).toBeLessThanOrEqual(2_048);
  expect(size(BIG)).toBeGreaterThan(2_048);
});

describe('the ledger node', () => {
  async function openNode(options: { blockIntervalMs?: number } = {}) {
    const node = await net.openNode(await LedgerStore.open(join(dir, 'db')), REMOTE, contractor, {
      blockIntervalMs: options.blockIntervalMs ?? 5,
      now: () => T0 + 86_400_000,
    });
    const operator = generateKeyPair();
    const appointment = node.appendUnsigned(
      { ...appointmentDraft(operator.publicKey), time: T0 },
      contractor.seed,
    );
    await whenQueued(node, appointment);
    await node.flush();
    await appointment;
    let joint = 0;
    const draft = (attachments: number) => {
      joint++;
      return {
        object: SEGMENT,
        kind: 'construction.joint-made',
        role: 'QI',
        body: jointBody(joint),
        time: T0 + 3_600_000 + joint,
        attachments: photos(attachments),
      };
    };
    return {
      node,
      /** Built and signed by the node with the operator's key. */
      unsigned: (attachments: number) => node.appendUnsigned(draft(attachments), operator.seed),
      /** Signed here and handed over as an envelope. */
      signed: async (attachments: number) => {
        const entry = buildEntry({
          ...draft(attachments),
          network: net.network,
          org: REMOTE,
          signer: operator.publicKey,
          parents: await node.heads(SEGMENT),
        });
        return node.appendSigned(signEntry(entry, operator.seed, 1 << 20).envelope);
      },
    };
  }

  it('judges an append by the limit of the position its block records; stored entries stay valid', async () => {
    const { node, unsigned, signed } = await openNode();
    expect(await code(unsigned(MEDIUM))).toBe('ENTRY_TOO_LARGE');
    expect(await code(signed(MEDIUM))).toBe('ENTRY_TOO_LARGE');

    await node.governance.submit(net.act(node.governance.state, setMaxEntryBytes(2_048)));
    const medium = await unsigned(MEDIUM);
    await signed(MEDIUM);
    expect(node.latestHeader?.governance.seq).toBe(1);
    expect(await code(unsigned(BIG))).toBe('ENTRY_TOO_LARGE');
    expect(await code(signed(BIG))).toBe('ENTRY_TOO_LARGE');

    await node.governance.submit(net.act(node.governance.state, setMaxEntryBytes(1_024)));
    expect(await code(unsigned(MEDIUM))).toBe('ENTRY_TOO_LARGE');
    expect(await code(signed(MEDIUM))).toBe('ENTRY_TOO_LARGE');
    await signed(SMALL);
    expect(node.latestHeader?.governance.seq).toBe(2);

    // Accepted at position 1, read back and verified after the lowering.
    expect((await node.entry(fromHex(medium.id), true))?.entryBytes.length).toBeGreaterThan(1_024);
    expect(await node.trace(SEGMENT)).toHaveLength(3);
    const report = await verifyStore({
      store: node.store,
      genesis: net.genesis,
      networkId: net.network,
      governance: node.governance.state,
      threads: 1,
    });
    expect(report.findings).toEqual([]);
    expect(report.entries).toBe(4);
    await node.close();
  });

  it('judges a queued entry again at the cut when a lowering arrived meanwhile', async () => {
    const { node, signed } = await openNode({ blockIntervalMs: 600_000 });
    await node.governance.submit(net.act(node.governance.state, setMaxEntryBytes(2_048)));
    const append = signed(MEDIUM);
    append.catch(() => undefined);
    await whenQueued(node, append);
    expect(node.pending).toBe(1);
    // Queued under 2,048; the block will record position 2, where the limit is 1,024.
    await node.governance.submit(net.act(node.governance.state, setMaxEntryBytes(1_024)));
    await node.flush();
    expect(await code(append)).toBe('ENTRY_TOO_LARGE');
    expect(node.committedSize).toBe(1);
    await node.close();
  });

  it('sizes the HTTP body limit by the entry limit in force', async () => {
    const { node } = await openNode();
    const app = await testApi(node);
    // A small entry in a body padded past the genesis limit's 4 × 1,024 + 64 KiB.
    const log = new OrgLog(net.network, REMOTE, contractor);
    const post = (attachments: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/signed-entries',
        headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
        payload: `{"envelope": "${toBase64(log.record(attachments).envelope)}"}${' '.repeat(80_000)}`,
      });
    const refused = await post(0);
    expect([refused.statusCode, refused.json().error.code]).toEqual([413, 'ENTRY_TOO_LARGE']);
    await node.governance.submit(net.act(node.governance.state, setMaxEntryBytes(32_768)));
    // The body is read now; the entry is judged on its own (its operator is not appointed here).
    const read = await post(0);
    expect([read.statusCode, read.json().error.code]).toEqual([403, 'OPERATOR_UNKNOWN']);
    await app.close();
    await node.close();
  });
});

describe('the replica store and verify', () => {
  it('judge each block by the limit of the position it claims; a lowering keeps what was accepted', async () => {
    const db = await net.openReplica(dir, OWN, { verifyThreads: 1 });
    const { store, governance, replica } = db;
    const log = new OrgLog(net.network, REMOTE, contractor);
    const g0 = net.origin;
    await replica.accept(REMOTE, log.block([log.appointment(), log.record(SMALL)], g0));
    expect(await code(replica.accept(REMOTE, log.block([log.record(MEDIUM)], g0, contractor, false)))).toBe(
      'ENTRY_TOO_LARGE',
    );

    // A block claiming the raise, prepared before this node has verified it, is judged once it has.
    const raise = net.act(governance.state, setMaxEntryBytes(2_048));
    const early = log.block([log.record(MEDIUM)], { seq: 1, hash: raise.hash });
    replica.prepare(REMOTE, early);
    await governance.submit(raise);
    await replica.accept(REMOTE, early);
    // (A header never claims a position below its predecessor's: core's hash chain rule.)
    expect(
      await code(replica.accept(REMOTE, log.block([log.record(BIG)], governance.head, contractor, false))),
    ).toBe('ENTRY_TOO_LARGE');
    await replica.accept(REMOTE, log.block([log.record(MEDIUM)], governance.head));

    await governance.submit(net.act(governance.state, setMaxEntryBytes(1_024)));
    expect(
      await code(replica.accept(REMOTE, log.block([log.record(MEDIUM)], governance.head, contractor, false))),
    ).toBe('ENTRY_TOO_LARGE');
    await replica.accept(REMOTE, log.block([log.record(SMALL)], governance.head));
    expect(await db.size(REMOTE)).toBe(5);

    const verify = () =>
      verifyStore({
        store,
        genesis: net.genesis,
        networkId: net.network,
        governance: governance.state,
        threads: 1,
      });
    // Entries 2 and 3 are over today's limit, and valid at the position of their blocks.
    expect((await verify()).findings).toEqual([]);
    // A block claiming position 2 with an entry over its limit, written past the checks.
    const tampered = log.record(MEDIUM);
    const { block, nodes } = log.cut([tampered], governance.head);
    await store.commitBlock({
      header: block.header,
      envelopes: block.envelopes,
      entries: [indexRecord(tampered.id, tampered.entry)],
      nodes,
    });
    const report = await verify();
    expect(report.ok).toBe(false);
    // The entry (and, since it does not open, the index records it would imply), nothing else.
    expect(report.findings.filter((f) => f.kind !== 'index')).toEqual([
      expect.objectContaining({ kind: 'entry', org: REMOTE, index: 5, code: 'ENTRY_TOO_LARGE' }),
    ]);
    await db.close();
  });
});
