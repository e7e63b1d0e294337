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
 * does. The timestamps must already be verified (e.g. `CosignatureRecord`s from a ReplicaStore).
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
