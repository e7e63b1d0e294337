/** The shape of a generated project and the shared state of its generation. */
import { type SignedEntry, toHex } from '@liuhen/core';
import type { UtilityCode } from '../ids.ts';
import type { Role } from '../roles.ts';
import type { Cast, Person } from './cast.ts';
import type { PlantCode, PresetName } from './catalogue.ts';
import type { Rng } from './rng.ts';
import type { Writer } from './writer.ts';

export interface ExpectedFinding {
  readonly code: string;
  /** Entry id, hex. */
  readonly entry: string;
  readonly object: string;
  readonly why: string;
}

export interface SegmentPlan {
  readonly index: number;
  readonly id: string;
  readonly alias: string;
  readonly utility: UtilityCode;
  readonly flow: 'gravity' | 'pressure';
  readonly material: string;
  readonly dnMm: number;
  readonly pieceLengthM: number;
  readonly pieces: number;
  readonly lengthM: number;
  readonly upstream: string;
  readonly downstream: string;
  readonly unit: string;
  /** CST midnight of the segment's first construction day. */
  readonly start: number;
  /** Filled in as the segment is built. */
  readonly records: Map<string, SignedEntry>;
}

export interface ManholePlan {
  readonly id: string;
  readonly node: string;
  readonly unit: string;
  readonly segments: readonly SegmentPlan[];
  readonly records: Map<string, SignedEntry>;
}

export interface Build {
  readonly rng: Rng;
  readonly w: Writer;
  readonly cast: Cast;
  readonly city: string;
  readonly permit: string;
  readonly project: string;
  /** CST midnight of the registration day. */
  readonly day0: number;
  readonly years: number;
  readonly asOf: number;
  readonly patrolsPerYear: number;
  readonly segments: SegmentPlan[];
  readonly manholes: ManholePlan[];
  readonly lots: string[];
  /** Project-level records by name (e.g. `started`, `completion`). */
  readonly records: Map<string, SignedEntry>;
  readonly expected: ExpectedFinding[];
  readonly plant: ReadonlySet<PlantCode>;
  readonly preset: PresetName | undefined;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const CST = 8 * HOUR;

/** The CST midnight (as UTC ms) of the day containing `ms`. */
export function cstMidnight(ms: number): number {
  return Math.floor((ms + CST) / DAY) * DAY - CST;
}

/** `days` after the CST midnight `base`, at hh:mm CST. */
export function at(base: number, days: number, hour: number, minute = 0): number {
  return base + days * DAY + hour * HOUR + minute * MINUTE;
}

export function expect(b: Build, code: string, entry: SignedEntry, why: string): void {
  b.expected.push({ code, entry: toHex(entry.id), object: entry.entry.object, why });
}

/** The person of `org` with `role` at `time`. */
export function who(b: Build, org: string, role: Role, time: number): Person {
  return b.cast.on(org, role, time);
}

/** The water mains, in order. */
export function waterMains(b: Build): SegmentPlan[] {
  return b.segments.filter((s) => s.utility === 'JS');
}

/**
 * Events run in claimed-time order, whatever order they were planned in, so each object's DAG
 * grows the way its history happened. An event may plan later ones.
 */
export class Timeline {
  // A binary min-heap on (time, seq): generating decades for many segments plans many events.
  readonly #heap: { time: number; seq: number; run: () => void }[] = [];
  #seq = 0;

  at(time: number, run: () => void): void {
    const heap = this.#heap;
    heap.push({ time, seq: this.#seq++, run });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!Timeline.#less(heap[i] as never, heap[parent] as never)) break;
      [heap[i], heap[parent]] = [heap[parent] as never, heap[i] as never];
      i = parent;
    }
  }

  run(): void {
    const heap = this.#heap;
    while (heap.length > 0) {
      const top = heap[0] as { run: () => void };
      const last = heap.pop() as (typeof heap)[number];
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && Timeline.#less(heap[l] as never, heap[m] as never)) m = l;
          if (r < heap.length && Timeline.#less(heap[r] as never, heap[m] as never)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m] as never, heap[i] as never];
          i = m;
        }
      }
      top.run();
    }
  }

  static #less(a: { time: number; seq: number }, b: { time: number; seq: number }): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }
}

/** An entry that a planned event will write. */
export interface Later {
  entry?: SignedEntry;
}
