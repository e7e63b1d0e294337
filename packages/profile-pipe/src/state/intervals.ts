/** Chainage coverage as sorted, merged intervals. */
import type { Interval } from './types.ts';

export function addInterval(list: readonly Interval[], next: Interval): Interval[] {
  const all = [...list, next].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [from, to] of all) {
    const last = out[out.length - 1];
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}
