/**
 * An entry is judged by the `maxEntryBytes` in force at its block's governance position: a later
 * `parameter.set` that lowers the limit changes no earlier verdict, and binds the blocks after it.
 */
import { toHex } from '@liuhen/core';
import { expect, it } from 'vitest';
import { assembleBundle, verifyBundle } from '../src/index.ts';
import { DAY, Network, OBJECT, T0 } from './fixtures.ts';

it("judges each entry by the maxEntryBytes at its block's governance position", async () => {
  const net = new Network();
  net.appointAll();
  const note = 'x'.repeat(1_500);
  const before = net.write('qi', 'QI', 'construction.joint-made', T0, { joint: 'J01', note });
  net.govern(T0 + DAY, { type: 'parameter.set', body: { name: 'maxEntryBytes', value: 1_024 } });
  net.write(
    'qi',
    'QI',
    'construction.joint-made',
    T0 + 2 * DAY,
    { joint: 'J02', note },
    {
      parents: [before],
    },
  );
  const { report } = verifyBundle(await assembleBundle(net.ledger, OBJECT), {
    anchor: { networkId: net.network },
  });
  // The later entry is refused before it yields an id: its finding names its log position.
  const encoding = report.findings.filter((f) => f.code === 'TRACE_ENTRY_ENCODING');
  expect(encoding.map((f) => [f.subject.org, f.cause])).toEqual([['contractor', 'ENTRY_TOO_LARGE']]);
  expect(encoding[0]?.subject.entry).not.toBe(toHex(before));
});
