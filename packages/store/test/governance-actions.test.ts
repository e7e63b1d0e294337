import { failureCodeAsync, utf8 } from '@liuhen/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerStore } from '../src/index.ts';
import { LogBuilder, makeEntry, party, tempDir } from './fixtures.ts';

let dir: { path: string; remove: () => Promise<void> };
let store: LedgerStore;

beforeEach(async () => {
  dir = await tempDir('governance');
  store = await LedgerStore.open(dir.path);
});

afterEach(async () => {
  await store.close();
  await dir.remove();
});

const action = (n: number) => utf8(`signed action ${n}`);

describe('governance actions', () => {
  it('are stored in order, one position at a time, and read back exactly across a reopen', async () => {
    expect(store.governanceSeq).toBe(0);
    expect(await store.governanceActions()).toEqual([]);
    await store.appendGovernanceAction(1, action(1));
    await store.appendGovernanceAction(2, action(2));
    await store.appendGovernanceAction(3, action(3));
    expect(store.governanceSeq).toBe(3);
    expect(await store.governanceActions(2, 3)).toEqual([action(2), action(3)]);
    await store.close();
    store = await LedgerStore.open(dir.path);
    expect(store.governanceSeq).toBe(3);
    expect(await store.governanceActions()).toEqual([action(1), action(2), action(3)]);
    expect(await store.governanceActions(4, 3)).toEqual([]);
  });

  it('refuses a position that is not the next one, and an empty record', async () => {
    expect(await failureCodeAsync(store.appendGovernanceAction(2, action(2)))).toBe('RANGE_INVALID');
    await store.appendGovernanceAction(1, action(1));
    expect(await failureCodeAsync(store.appendGovernanceAction(1, action(1)))).toBe('RANGE_INVALID');
    expect(await failureCodeAsync(store.appendGovernanceAction(2, new Uint8Array(0)))).toBe('RANGE_INVALID');
    expect(store.governanceSeq).toBe(1);
  });

  it('live beside the org logs without touching them or the index audit', async () => {
    const log = new LogBuilder(party('contractor'));
    await store.appendGovernanceAction(1, action(1));
    await store.commitBlock(log.cut([makeEntry(log.party, 0, { object: 'pipe:g-0' })]).write);
    await store.appendGovernanceAction(2, action(2));
    expect(await store.orgs()).toEqual(['contractor']);
    expect(await store.entryCount()).toBe(1);
    expect(store.governanceSeq).toBe(2);
  });
});
