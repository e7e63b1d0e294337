/**
 * Witnessing (DESIGN §4). A cosignature on a checkpoint of size s witnesses every leaf below s,
 * and the bundle's checkpoints of one log are proven consistent, so an entry's witnesses are the
 * distinct orgs that validly cosigned any checkpoint of its log with size > its index, and its
 * first-witnessed time is the earliest of those cosignatures. From them: the k-of-n policy, and
 * late recording (补录) — an entry first witnessed, or still unwitnessed at the as-of time, long
 * after the time it claims.
 */
import { findingOf } from './findings.ts';
import { addFinding, type EntryEvidence, type LogEvidence, type VerifyContext } from './verify-context.ts';
import { type WitnessPolicy, witnessPolicyFor } from './witness-policy.ts';

export const DEFAULT_LATE_RECORDING_MS = 24 * 3_600_000;

export interface Witnessing {
  readonly witnesses: readonly string[];
  readonly firstWitnessed: number | undefined;
}

export interface LogCoverage {
  readonly org: string;
  readonly eligible: readonly string[];
  readonly threshold: number;
  readonly checkpoints: number;
  readonly cosigned: readonly {
    readonly witness: string;
    readonly checkpoints: number;
    readonly earliest: number;
    readonly latest: number;
  }[];
}

/** Witnesses and first-witnessed time of every entry of the log, by a sweep from the top index down. */
export function witnessLog(log: LogEvidence): Map<EntryEvidence, Witnessing> {
  const records = log.checkpoints
    .filter((c) => c.valid && c.header !== undefined)
    .flatMap((c) => c.cosignatures.map((s) => ({ size: c.header?.size as number, ...s })))
    .sort((a, b) => b.size - a.size);
  const seen = new Set<string>();
  let earliest: number | undefined;
  let next = 0;
  const out = new Map<EntryEvidence, Witnessing>();
  for (const e of [...log.entries].sort((a, b) => b.index - a.index)) {
    while (next < records.length && (records[next] as (typeof records)[number]).size > e.index) {
      const r = records[next++] as (typeof records)[number];
      seen.add(r.witness);
      earliest = earliest === undefined ? r.time : Math.min(earliest, r.time);
    }
    out.set(e, { witnesses: [...seen].sort(), firstWitnessed: earliest });
  }
  return out;
}

export function coverageOf(log: LogEvidence, members: readonly string[], policy: WitnessPolicy): LogCoverage {
  const { eligible, threshold } = witnessPolicyFor(policy, log.org, members);
  const stats = new Map<string, { checkpoints: number; earliest: number; latest: number }>();
  for (const c of log.checkpoints) {
    for (const s of c.cosignatures) {
      const st = stats.get(s.witness) ?? { checkpoints: 0, earliest: s.time, latest: s.time };
      stats.set(s.witness, {
        checkpoints: st.checkpoints + 1,
        earliest: Math.min(st.earliest, s.time),
        latest: Math.max(st.latest, s.time),
      });
    }
  }
  return {
    org: log.org,
    eligible,
    threshold,
    checkpoints: log.checkpoints.length,
    cosigned: [...stats].sort(([a], [b]) => (a < b ? -1 : 1)).map(([witness, s]) => ({ witness, ...s })),
  };
}

export interface WitnessJudgement {
  readonly missing: readonly {
    readonly entry: string;
    readonly org: string;
    readonly have: readonly string[];
    readonly missing: readonly string[];
    readonly threshold: number;
  }[];
  readonly late: readonly { readonly entry: string; readonly lagMs: number; readonly witnessed: boolean }[];
}

/** Applies the policy and the late-recording rule to the object's entries. */
export function judgeWitnessing(
  ctx: VerifyContext,
  ordered: readonly EntryEvidence[],
  witnessing: ReadonlyMap<EntryEvidence, Witnessing>,
  coverage: ReadonlyMap<string, LogCoverage>,
  asOf: number,
): WitnessJudgement {
  const late = ctx.profile?.lateRecording;
  const threshold = late?.thresholdMs ?? DEFAULT_LATE_RECORDING_MS;
  const missing: WitnessJudgement['missing'][number][] = [];
  const lateOnes: WitnessJudgement['late'][number][] = [];
  for (const e of ordered) {
    const entry = e.entry;
    const w = witnessing.get(e);
    const policy = coverage.get(e.org);
    if (entry === undefined || w === undefined || policy === undefined) continue;
    const subject = { part: 'entry' as const, org: e.org, index: e.index, entry: e.idHex as string };
    const counted = w.witnesses.filter((x) => policy.eligible.includes(x));
    if (counted.length < policy.threshold) {
      const absent = policy.eligible.filter((x) => !counted.includes(x));
      missing.push({
        entry: e.idHex as string,
        org: e.org,
        have: counted,
        missing: absent,
        threshold: policy.threshold,
      });
      addFinding(
        ctx,
        findingOf(
          'TRACE_WITNESS_POLICY',
          `${entry.kind}: witnessed by ${counted.length} of the ${policy.threshold} required (${counted.join(', ') || 'none'}); not by ${absent.join(', ')}`,
          subject,
        ),
        e,
      );
    }
    const lagMs = w.firstWitnessed !== undefined ? w.firstWitnessed - entry.time : asOf - entry.time;
    if (lagMs > threshold) {
      lateOnes.push({ entry: e.idHex as string, lagMs, witnessed: w.firstWitnessed !== undefined });
      const hours = (lagMs / 3_600_000).toFixed(1);
      addFinding(
        ctx,
        findingOf(
          late?.code ?? 'TRACE_LATE_RECORDING',
          w.firstWitnessed !== undefined
            ? `${entry.kind} claims ${new Date(entry.time).toISOString()} but was first witnessed ${hours} h later, at ${new Date(w.firstWitnessed).toISOString()}`
            : `${entry.kind} claims ${new Date(entry.time).toISOString()} and was still unwitnessed ${hours} h later, at the as-of time`,
          subject,
          { severity: 'warning', ...(late?.clause === undefined ? {} : { clause: late.clause }) },
        ),
        e,
      );
    }
  }
  return { missing, late: lateOnes };
}
