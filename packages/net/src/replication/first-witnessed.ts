/**
 * First-witnessed time (DESIGN §4): the earliest verified cosignature timestamp over any checkpoint
 * of the entry's log whose tree size covers the entry (size > index). It bounds when the entry
 * existed; an entry claiming a time long before it is a late recording. Pure: no I/O, no clock.
 */
import { type NoteSignature, type NoteVerifier, parseCheckpoint, verifyCosignature } from '@liuhen/core';

export interface WitnessedCheckpoint {
  /** The checkpoint's tree size. */
  readonly size: number;
  /** A verified cosignature timestamp, seconds since the epoch. */
  readonly timestamp: number;
}

/**
 * The earliest timestamp among checkpoints covering leaf `index`, in seconds, or undefined if none
 * does. The timestamps must already be verified (e.g. `CosignatureRecord`s from a ReplicaStore),
 * and the checkpoints must be ones of the log as held: a witness signs checkpoint text, so a valid
 * cosignature may be over a checkpoint the org never signed (the node store checks that).
 */
export function firstWitnessed(index: number, witnessed: Iterable<WitnessedCheckpoint>): number | undefined {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('index must be a non-negative integer');
  let earliest: number | undefined;
  for (const { size, timestamp } of witnessed)
    if (size > index && (earliest === undefined || timestamp < earliest)) earliest = timestamp;
  return earliest;
}

export interface UnverifiedCosignature {
  readonly checkpoint: string;
  readonly signature: NoteSignature;
}

/**
 * `firstWitnessed` over raw cosignatures: each is verified against the witness verifier of its
 * name; those that do not verify, or whose witness is unknown, are ignored.
 */
export function firstWitnessedVerified(
  index: number,
  cosignatures: Iterable<UnverifiedCosignature>,
  witnesses: ReadonlyMap<string, NoteVerifier>,
): number | undefined {
  const verified: WitnessedCheckpoint[] = [];
  for (const { checkpoint, signature } of cosignatures) {
    const verifier = witnesses.get(signature.name);
    if (verifier === undefined) continue;
    try {
      const { timestamp } = verifyCosignature(checkpoint, signature, verifier);
      verified.push({ size: parseCheckpoint(checkpoint).size, timestamp });
    } catch {
      // Not a valid cosignature: it witnesses nothing.
    }
  }
  return firstWitnessed(index, verified);
}

/**
 * First-witnessed times of one org's log, kept as cosignatures arrive: per checkpoint size the
 * earliest timestamp, sorted by size, with suffix minima rebuilt lazily, so a lookup is a binary
 * search. Memory is one number pair per cosigned checkpoint.
 */
export class WitnessTimes {
  #sizes: number[] = [];
  #earliest: number[] = [];
  /** suffixMin[i] = min(earliest[i…]); undefined after a change. */
  #suffixMin: number[] | undefined;

  add(size: number, timestamp: number): void {
    let lo = 0;
    let hi = this.#sizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#sizes[mid] as number) < size) lo = mid + 1;
      else hi = mid;
    }
    if (this.#sizes[lo] === size) {
      if (timestamp >= (this.#earliest[lo] as number)) return;
      this.#earliest[lo] = timestamp;
    } else {
      this.#sizes.splice(lo, 0, size);
      this.#earliest.splice(lo, 0, timestamp);
    }
    this.#suffixMin = undefined;
  }

  /** `firstWitnessed(index, …)` over everything added. */
  first(index: number): number | undefined {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new RangeError('index must be a non-negative integer');
    let lo = 0;
    let hi = this.#sizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#sizes[mid] as number) <= index) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.#sizes.length) return undefined;
    if (this.#suffixMin === undefined) {
      const min = new Array<number>(this.#earliest.length);
      let running = Number.POSITIVE_INFINITY;
      for (let i = this.#earliest.length - 1; i >= 0; i--) {
        running = Math.min(running, this.#earliest[i] as number);
        min[i] = running;
      }
      this.#suffixMin = min;
    }
    return this.#suffixMin[lo];
  }
}

/**
 * The pipe profile's P-CONTEMPORANEOUS rule (shared/domain/pipe-lifecycle.md): an entry first
 * witnessed more than 24 h after its claimed time is a late recording (补录).
 */
export const LATE_RECORDING_MS = 24 * 3_600_000;

export interface LateRecordingVerdict {
  /**
   * true: witnessed (or, unwitnessed, already) more than `thresholdMs` after the claimed time;
   * false: witnessed within it; undefined: not witnessed yet and not yet late.
   */
  readonly late: boolean | undefined;
  /** First-witnessed time minus claimed time, ms (the lower bound when unwitnessed); never negative. */
  readonly lagMs: number | undefined;
}

/**
 * Whether an entry claiming `claimedMs` is a late recording, given its first-witnessed time in
 * seconds (or undefined) and the current time (an unwitnessed entry can only be witnessed later).
 * Cosignature timestamps are whole seconds, floored: the comparison is at millisecond precision on
 * the floored value, which can only make an entry look earlier, never late by rounding.
 */
export function lateRecording(
  claimedMs: number,
  firstWitnessedSeconds: number | undefined,
  nowMs: number,
  thresholdMs: number = LATE_RECORDING_MS,
): LateRecordingVerdict {
  if (firstWitnessedSeconds !== undefined) {
    const lagMs = Math.max(0, firstWitnessedSeconds * 1000 - claimedMs);
    return { late: lagMs > thresholdMs, lagMs };
  }
  const lagMs = nowMs - claimedMs;
  return lagMs > thresholdMs ? { late: true, lagMs } : { late: undefined, lagMs: undefined };
}
