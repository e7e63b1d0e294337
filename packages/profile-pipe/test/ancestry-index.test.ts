/**
 * The grown index keeps exactly the causal order a `TraceIndex` built whole gives the same
 * entries, whatever order the entries arrive in (ancestors first), and after nodes are taken out
 * again; ids cited but not held are reported as missing.
 */
import { type ProfileEntry, toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { AncestryIndex } from '../src/ancestry-index.ts';
import { generateScenario } from '../src/scenario/index.ts';
import { Rng } from '../src/scenario/rng.ts';
import { TraceIndex } from '../src/trace-index.ts';
import { linkIds } from '../src/trace-view.ts';

/** The entries in a random order that still puts every linked entry first. */
function shuffledCausally(entries: readonly ProfileEntry[], rng: Rng): ProfileEntry[] {
  const ids = new Set(entries.map((e) => toHex(e.id)));
  const placed = new Set<string>();
  const waiting = [...entries];
  const out: ProfileEntry[] = [];
  while (waiting.length > 0) {
    const ready = waiting.filter((e) =>
      linkIds(e.entry).every((l) => !ids.has(toHex(l)) || placed.has(toHex(l))),
    );
    const pick = ready[rng.int(0, ready.length - 1)] as ProfileEntry;
    waiting.splice(waiting.indexOf(pick), 1);
    placed.add(toHex(pick.id));
    out.push(pick);
  }
  return out;
}

const order = (index: AncestryIndex) => index.nodes().map((n) => n.id);
const wholeOrder = (entries: readonly ProfileEntry[]) => new TraceIndex(entries).nodes.map((n) => n.id);

describe('AncestryIndex', () => {
  const s = generateScenario({ seed: 'order', segments: 3, years: 2, patrolsPerYear: 3 });

  it('orders entries arriving in any causal order exactly as TraceIndex does', () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const index = new AncestryIndex();
      const arrived: ProfileEntry[] = [];
      for (const e of shuffledCausally(s.entries, rng)) {
        index.insertAll([e]);
        arrived.push(e);
        if (arrived.length % 97 === 0) expect(order(index)).toEqual(wholeOrder(arrived));
      }
      expect(order(index)).toEqual(wholeOrder(s.entries));
      expect(index.nodes().every((n, i) => n.index === i)).toBe(true);
    }
  });

  it('takes nodes out again, from the end or the middle, leaving the order of the rest', () => {
    const rng = new Rng(9);
    const index = new AncestryIndex();
    const shuffled = shuffledCausally(s.entries, rng);
    const kept = shuffled.slice(0, 400);
    index.insertAll(kept);
    const batch = index.insertAll(shuffled.slice(400, 460));
    index.remove(batch);
    expect(order(index)).toEqual(wholeOrder(kept));
    expect(index.size).toBe(kept.length);
    const heads = [...index.heads()].map((n) => n.id).sort();
    const named = new Set(kept.flatMap((e) => linkIds(e.entry).map(toHex)));
    expect(heads).toEqual(
      kept
        .map((e) => toHex(e.id))
        .filter((id) => !named.has(id))
        .sort(),
    );
  });

  it('reports a cited id it does not hold as missing, until the citing entry is taken out', () => {
    const index = new AncestryIndex();
    const first = s.entries[0] as ProfileEntry;
    const second = s.entries[1] as ProfileEntry;
    const phantom = new Uint8Array(32).fill(7);
    const citing: ProfileEntry = {
      id: new Uint8Array(32).fill(9),
      entry: { ...second.entry, refs: [...second.entry.refs, { entry: phantom, rel: 'x' }] },
    };
    index.insertAll([first]);
    const added = index.insertAll([citing]);
    expect(index.missingLinks().map(toHex)).toContain(toHex(phantom));
    index.remove(added);
    expect(index.missingLinks().map(toHex)).not.toContain(toHex(phantom));
  });
});
