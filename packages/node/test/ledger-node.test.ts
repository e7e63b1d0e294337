import {
  decodeEnvelope,
  entryId,
  failureCodeAsync,
  isLiuhenError,
  leafHash,
  toHex,
  verifyInclusion,
} from '@liuhen/core';
import { sampleBody } from '@liuhen/profile-pipe/scenario';
import type { LedgerStore } from '@liuhen/store';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appoint,
  envelope,
  type Fixture,
  fixture,
  jointBody,
  OTHER_SEGMENT,
  revoke,
  SEGMENT,
  T0,
} from './fixtures.ts';

let f: Fixture;
afterEach(() => f?.cleanup());

describe('the append pipeline', () => {
  it('acknowledges after commit, with index and height, and proves inclusion', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    const ack = await node.appendSigned(envelope(f, qi));
    expect(ack.index).toBe(1);
    const found = await node.entry(entryId(decodeEnvelope(envelope(f, qi)).entryBytes), true);
    expect(found?.proof).toBeDefined();
    if (!found?.proof) return;
    verifyInclusion(
      leafHash(found.envelope),
      found.index,
      found.proof.size,
      found.proof.hashes,
      found.proof.header.root,
    );
    await node.close();
  });

  it('still cuts blocks after a commit loop found nothing to commit', async () => {
    // flush() on an idle node runs the commit loop with an empty queue, as a block timer does
    // when it fires after the loop drained the queue; the next append must still be committed.
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    await node.flush();
    const ack = await node.appendSigned(envelope(f, qi));
    expect(ack.index).toBe(1);
    await node.close();
  }, 20_000);

  it('fills parents from the object heads and orders the trace causally', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    const first = await node.appendUnsigned(
      {
        object: SEGMENT,
        kind: 'construction.bedding',
        role: 'QI',
        time: T0 + 5,
        body: sampleBody('construction.bedding'),
      },
      qi.seed,
    );
    const second = await node.appendUnsigned(
      {
        object: SEGMENT,
        kind: 'construction.pipe-laid',
        role: 'QI',
        time: T0 + 1,
        body: sampleBody('construction.pipe-laid'),
      },
      qi.seed,
    );
    const trace = await node.trace(SEGMENT);
    expect(trace.map((t) => toHex(t.id))).toEqual([first.id, second.id]);
    expect(trace[1]?.entry.parents.map(toHex)).toEqual([first.id]);
    expect((await node.heads(SEGMENT)).map(toHex)).toEqual([second.id]);
    await node.close();
  });

  it('refuses duplicates, including two concurrent copies', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    const e = envelope(f, qi);
    const results = await Promise.allSettled([node.appendSigned(e), node.appendSigned(e)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await failureCodeAsync(node.appendSigned(e))).toBe('ENTRY_DUPLICATE');
    expect(node.committedSize).toBe(2);
    await node.close();
  });

  it('refuses unknown parents, parents of another object, unknown kinds and other orgs', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    const ack = await node.appendSigned(envelope(f, qi, { object: OTHER_SEGMENT }));
    expect(
      await failureCodeAsync(node.appendSigned(envelope(f, qi, { parents: [new Uint8Array(32)] }))),
    ).toBe('PARENT_UNKNOWN');
    const other = Uint8Array.from(Buffer.from(ack.id, 'hex'));
    expect(await failureCodeAsync(node.appendSigned(envelope(f, qi, { parents: [other] })))).toBe(
      'PARENT_UNKNOWN',
    );
    expect(await failureCodeAsync(node.appendSigned(envelope(f, qi, { kind: 'made.up' })))).toBe(
      'KIND_UNKNOWN',
    );
    expect(await failureCodeAsync(node.appendSigned(envelope(f, qi, { org: 'lab' })))).toBe('ORG_MISMATCH');
    expect(await failureCodeAsync(node.appendSigned(envelope(f, qi, { time: T0 + 10 * 86_400_000 })))).toBe(
      'ENTRY_FROM_FUTURE',
    );
    expect(await failureCodeAsync(node.appendSigned(envelope(f, qi, { network: new Uint8Array(32) })))).toBe(
      'ENTRY_WRONG_NETWORK',
    );
    await node.close();
  });

  it('judges an operator at the entry position: valid before revocation, refused after', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    await node.appendSigned(envelope(f, qi, { body: jointBody(0) }));
    await revoke(node, f, qi.publicKey);
    expect(await failureCodeAsync(node.appendSigned(envelope(f, qi, { body: jointBody(1) })))).toBe(
      'OPERATOR_REVOKED',
    );
    expect(
      await failureCodeAsync(
        node.appendSigned(envelope(f, qi, { role: 'SE', kind: 'inspection.hidden-works-accepted' })),
      ),
    ).toBe('OPERATOR_REVOKED');
    await node.close();
    // The earlier entry stays in the log and the state survives a restart.
    const reopened = await f.open();
    expect(reopened.committedSize).toBe(3);
    expect(await failureCodeAsync(reopened.appendSigned(envelope(f, qi, { body: jointBody(2) })))).toBe(
      'OPERATOR_REVOKED',
    );
    await reopened.close();
  });

  it('refuses roles the operator does not hold and roles the kind does not allow', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    expect(
      await failureCodeAsync(node.appendSigned(envelope(f, qi, { role: 'PM', kind: 'test.pressure' }))),
    ).toBe('ROLE_NOT_HELD');
    expect(await failureCodeAsync(node.appendSigned(envelope(f, qi, { kind: 'test.pressure' })))).toBe(
      'ROLE_NOT_PERMITTED',
    );
    await node.close();
  });

  it('applies back-pressure: NODE_BUSY beyond the pending limit, nothing lost below it', async () => {
    f = fixture();
    const node = await f.open({ maxPending: 5, blockIntervalMs: 1000, blockMaxEntries: 1000 });
    const qi = await appoint(node, f, ['QI']);
    const attempts = Array.from({ length: 8 }, (_, i) =>
      node.appendSigned(envelope(f, qi, { body: jointBody(i) })),
    );
    const settled = await Promise.allSettled(attempts);
    const busy = settled.filter((s) => s.status === 'rejected' && isLiuhenError(s.reason, 'NODE_BUSY'));
    expect(busy).toHaveLength(3);
    expect(node.committedSize).toBe(6);
    await node.close();
  });

  it('acknowledges nothing when the disk fails, then recovers when it works again', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    const store = node.store as LedgerStore & { commitBlock: LedgerStore['commitBlock'] };
    const original = store.commitBlock.bind(store);
    store.commitBlock = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    };
    expect(await failureCodeAsync(node.appendSigned(envelope(f, qi, { body: jointBody(1) })))).toBe(
      'STORAGE_FAILED',
    );
    expect(node.committedSize).toBe(1);
    store.commitBlock = original;
    const ack = await node.appendSigned(envelope(f, qi, { body: jointBody(1) }));
    expect(ack.index).toBe(1);
    await node.close();
  });
});
