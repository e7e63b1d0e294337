/**
 * Clock skew between departments (docs/protocol.md §12.9). Every node stamps what it signs with
 * its own wall clock: entries' claimed times, block headers' cut times, cosignatures' timestamps.
 * The network tolerates clocks up to the genesis parameter `maxClockSkewMs` apart; a clock
 * further off is flagged — never refused, because what it signed is still validly signed history
 * that every node must hold, and refusing it would stall the org's log over a clock fault.
 *
 * Each node judges the others against its own clock, and only on evidence that honest delay
 * cannot produce, so a node catching up on old blocks or receiving cosignatures late flags nothing:
 * - another org's block whose cut time is ahead of this node's clock when it is stored: no honest
 *   node cuts a block in the future, however late it arrives;
 * - a witness's cosignature of one of this node's own checkpoints timestamped before this node cut
 *   it: no honest witness signs a checkpoint before it exists. (Only own checkpoints: against
 *   another org's, a witness's timestamp would be judged by that org's clock.)
 * A node whose own clock is wrong therefore sees every other clock off the other way, which is
 * what tells its operator where the fault is.
 * Pure: the caller supplies its clock.
 */

export interface ClockJudgement {
  /** How far the judged clock is ahead (positive) or behind (negative) of the reference, ms. */
  readonly skewMs: number;
  /** Whether that is beyond the tolerance in the direction that is evidence. */
  readonly flagged: boolean;
}

function checkTolerance(maxClockSkewMs: number): void {
  if (!Number.isSafeInteger(maxClockSkewMs) || maxClockSkewMs < 0)
    throw new RangeError(`maxClockSkewMs must be a non-negative integer, not ${maxClockSkewMs}`);
}

/** A block of another org, its header cut at `headerTimeMs`, received when this node's clock reads `nowMs`. */
export function judgeBlockTime(headerTimeMs: number, nowMs: number, maxClockSkewMs: number): ClockJudgement {
  checkTolerance(maxClockSkewMs);
  const skewMs = headerTimeMs - nowMs;
  return { skewMs, flagged: skewMs > maxClockSkewMs };
}

/**
 * A witness's cosignature timestamped `timestampMs` (a cosignature carries whole seconds: pass
 * seconds × 1000) of this node's own checkpoint, which this node cut at `cutTimeMs` by its clock.
 */
export function judgeCosignatureTime(
  timestampMs: number,
  cutTimeMs: number,
  maxClockSkewMs: number,
): ClockJudgement {
  checkTolerance(maxClockSkewMs);
  // Whole seconds truncate up to 999 ms: never count that as skew; a late cosignature is no skew.
  const skewMs = Math.min(0, timestampMs + 999 - cutTimeMs);
  return { skewMs, flagged: skewMs < -maxClockSkewMs };
}
