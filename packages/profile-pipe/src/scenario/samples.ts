/**
 * Schema-valid bodies of the records a contractor's QC inspector and project manager sign most
 * often, for tests and benchmarks that need a well-formed record of a kind but not a whole
 * generated project. `n` varies the values (joint number, chainage, measurements) so that records
 * made from one sample differ; every value stays in range for any `n` (the profile's tests check
 * each sample against its schema). The one source of such bodies: fixtures that write bodies by
 * hand drift from the schemas.
 */
import type { CborMap } from '@liuhen/core';

/** A segment id of the generated sewage network: `seg:SZ-WS{100000+n}-WS{100001+n}#1`. */
export function sampleSegment(n = 0): string {
  const node = (k: number) => `WS${String(100_000 + k).padStart(6, '0')}`;
  return `seg:SZ-${node(n)}-${node(n + 1)}#1`;
}

/** Joint number `J01` … `J999` for n = 0, 1, … (wrapping). */
export function sampleJoint(n = 0): string {
  return `J${String((n % 999) + 1).padStart(2, '0')}`;
}

/** A 6 m pipe length per step, wrapping within a 480 m segment. */
function chainageOf(n: number): [number, number] {
  const from = (n % 80) * 6;
  return [from, from + 6];
}

const SAMPLES = {
  'construction.trench-excavated': (n: number) => ({
    chainage: chainageOf(n),
    widthM: 1.6,
    depthM: 3.2 + (n % 5) / 10,
    bottomDeviationMm: (n % 21) - 10,
  }),
  'construction.bedding': (n: number) => ({
    chainage: chainageOf(n),
    type: 'sand-gravel',
    zone: 'base',
    thicknessMm: 150 + (n % 5) * 10,
    compactionPct: 90 + (n % 8),
  }),
  'construction.pipe-laid': (n: number) => ({
    chainage: chainageOf(n),
    batch: `HDPE-2026-${String(n % 1000).padStart(4, '0')}`,
    dnMm: 500,
    axisOffsetMm: n % 17,
    invertDeviationMm: (n % 11) - 5,
    stepMm: n % 4,
  }),
  'construction.joint-made': (n: number) => {
    const at = ((n % 80) + 1) * 6;
    return { joint: sampleJoint(n), chainage: [at, at], type: 'rubber-ring', gasketChecked: true };
  },
  'construction.backfill-layer': (n: number) => ({
    chainage: chainageOf(n),
    layer: (n % 12) + 1,
    zone: 'side',
    liftMm: 250,
    compactionPct: 93 + (n % 5),
    material: 'sand',
  }),
  'inspection.hidden-works-selfcheck': (n: number) => ({
    scope: `joint ${sampleJoint(n)} and the bedding under it`,
    chainage: chainageOf(n),
    joints: [sampleJoint(n)],
    items: 6,
    passed: 6,
  }),
  'test.closed-water': (n: number) => ({
    chainage: [0, 48],
    lengthM: 48,
    headM: 2,
    holdMin: 30,
    leakageLPerMinKm: 0.5 + (n % 5) / 10,
    pass: true,
  }),
} as const satisfies Record<string, (n: number) => CborMap>;

export type SampleKind = keyof typeof SAMPLES;
export const SAMPLE_KINDS = Object.keys(SAMPLES) as SampleKind[];

/** A schema-valid body of `kind`, varied by `n`. */
export function sampleBody(kind: SampleKind, n = 0): CborMap {
  return SAMPLES[kind](n) as CborMap;
}
