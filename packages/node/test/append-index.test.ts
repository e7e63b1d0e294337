/**
 * The node judges appends with the profile's incremental index per object: an append costs the
 * entries new since the last one, not the object's history; a restarted node builds the index
 * again from LevelDB and decides as from the whole closure; an entry whose block was refused is
 * gone from the index with it.
 */
import {
  buildEntry,
  type EntryDraft,
  type KeyPair,
  LiuhenError,
  type SignedEntry,
  signEntry,
  toHex,
} from '@liuhen/core';
import { pipeProfile } from '@liuhen/profile-pipe';
import { sampleBody } from '@liuhen/profile-pipe/scenario';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorBook } from '../src/append-context.ts';
import { EntryRefusedError } from '../src/entry-refused.ts';
import type { LedgerNode } from '../src/ledger-node.ts';
import { appoint, type Fixture, fixture, jointBody, SEGMENT, T0 } from './fixtures.ts';

let f: Fixture;
afterEach(() => f?.cleanup());

const MINUTE = 60_000;

async function signed(node: LedgerNode, signer: KeyPair, draft: Partial<EntryDraft>): Promise<SignedEntry> {
  return signEntry(
    buildEntry({
      network: f.network,
      org: 'contractor',
      object: SEGMENT,
      kind: 'construction.joint-made',
      time: T0 + MINUTE,
      signer: signer.publicKey,
      role: 'QI',
      body: jointBody(0),
      parents: await node.heads(SEGMENT),
      ...draft,
    }),
    signer.seed,
  );
}

/** Appends `count` joints to the segment, one after the other; the entries walked by each. */
async function joints(node: LedgerNode, qi: KeyPair, count: number, from = 0): Promise<number[]> {
  const walked: number[] = [];
  for (let i = from; i < from + count; i++) {
    const before = node.profileWork.walked;
    await node.appendUnsigned(
      { object: SEGMENT, kind: 'construction.joint-made', role: 'QI', time: T0 + i, body: jointBody(i % 90) },
      qi.seed,
    );
    walked.push(node.profileWork.walked - before);
  }
  return walked;
}

describe('incremental append judgement on a node', () => {
  it('walks a bounded number of entries per append however long the history, and rebuilds after a restart', async () => {
    f = fixture();
    const node = await f.open({ cutWhenIdle: true });
    const qi = await appoint(node, f, ['QI']);
    const walked = await joints(node, qi, 1_100);
    // The first append builds the index; after that, the previous head is always indexed.
    expect(Math.max(...walked.slice(1))).toBeLessThanOrEqual(1);
    await node.close();

    const reopened = await f.open({ cutWhenIdle: true });
    // The bedding covers joints laid before the restart: its verdict needs the whole history.
    const bedding = await signed(reopened, qi, {
      kind: 'construction.bedding',
      time: T0 + 2_000,
      body: sampleBody('construction.bedding'),
    });
    const before = reopened.profileWork.walked;
    const ack = await reopened.appendSigned(bedding.envelope);
    expect(reopened.profileWork.walked - before).toBeGreaterThanOrEqual(1_100);
    const book = new OperatorBook(reopened.store);
    await book.refresh();
    const expected = pipeProfile.checkAppend({
      candidate: bedding,
      context: (await reopened.trace(SEGMENT)).filter((e) => toHex(e.id) !== ack.id),
      now: T0 + 86_400_000,
      operators: book.identities(),
    });
    expect(expected.flags.map((x) => x.code)).toContain('P-COVER');
    expect(ack.flags).toEqual(expected.flags);
    const after = await joints(reopened, qi, 20, 1_100);
    expect(Math.max(...after)).toBeLessThanOrEqual(1);
    await reopened.close();
  }, 600_000);

  it('walks the whole history on every append when the profile has no incremental form', async () => {
    f = fixture();
    // The same decisions, from a checkAppend without `index`: the closure is walked each time.
    const node = await f.open({
      cutWhenIdle: true,
      profile: { ...pipeProfile, checkAppend: (input) => pipeProfile.checkAppend(input) },
    });
    const qi = await appoint(node, f, ['QI']);
    const walked = await joints(node, qi, 300);
    expect(walked.at(-1)).toBeGreaterThanOrEqual(300);
    await node.close();
  }, 600_000);

  it('forgets an entry whose block was refused: the next append does not see it', async () => {
    f = fixture();
    const node = await f.open({ cutWhenIdle: true });
    const qi = await appoint(node, f, ['QI']);
    await joints(node, qi, 3);
    const lost = await signed(node, qi, { time: T0 + 100, body: jointBody(3) });
    const commit = node.store.commitBlock;
    node.store.commitBlock = async () => {
      throw new Error('the disk went away');
    };
    const failed = await node.appendSigned(lost.envelope).then(
      () => undefined,
      (e: unknown) => e,
    );
    node.store.commitBlock = commit;
    expect(failed).toBeInstanceOf(LiuhenError);
    expect((failed as LiuhenError).code).toBe('STORAGE_FAILED');
    // An attestation of the lost joint: the joint is not known, so the attestation means nothing.
    const attest = await signed(node, qi, {
      kind: 'attest',
      time: T0 + 200,
      body: { statement: 'witnessed' },
      refs: [{ entry: lost.id, rel: 'attests' }],
    });
    const refused = await node.appendSigned(attest.envelope).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(EntryRefusedError);
    expect((refused as EntryRefusedError).refusals).toContainEqual({
      code: 'PIPE_REFS_INVALID',
      field: 'refs',
      message: `the attested entry ${toHex(lost.id)} is not known`,
    });
    // The joint itself, sent again, is judged and stored as new.
    const again = await node.appendSigned(
      (await signed(node, qi, { time: T0 + 100, body: jointBody(3) })).envelope,
    );
    expect(again.flags).toEqual([]);
    await node.close();
  }, 600_000);
});
