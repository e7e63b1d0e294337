/**
 * Full verification of one object's trace (DESIGN §8), in the order trust is built: the genesis
 * against the anchor and the governance log on it; each org log's checkpoints, cosignatures and
 * entries; operator certificates and every entry's authority at its position; the object's DAG and
 * times; witnessing and late recording; attachments; then the profile's rules. Every problem is a
 * finding against the part it concerns — nothing stops at the first one — and the report lists
 * the entries in causal order with what was established about each.
 */
import { type Entry, toHex } from '@liuhen/core';
import { defaultAccountability, stageOf } from './accountability.ts';
import { verifyAttachments } from './attachments.ts';
import type { Bundle } from './bundle.ts';
import { bySeverity, type Finding, findingOf } from './findings.ts';
import type { AccountabilityView, ProfileHooks, ProfileTrace, TracedEntry } from './profile.ts';
import { REPORT_FORMAT, reportEntry, type TraceReport, unusableGenesisReport, verdictOf } from './report.ts';
import { Keyring } from './verifiers.ts';
import { verifyAuthority } from './verify-authority.ts';
import { verifyCheckpoints } from './verify-checkpoints.ts';
import type { EntryEvidence, LogEvidence, VerifyContext } from './verify-context.ts';
import { checkFuture, verifyDag } from './verify-dag.ts';
import { verifyEntries } from './verify-entries.ts';
import { type TrustAnchor, verifyGovernance } from './verify-governance.ts';
import { openSealed, type SealedReader, type SealedReading } from './verify-sealed.ts';
import {
  coverageOf,
  judgeWitnessing,
  type LogCoverage,
  type Witnessing,
  witnessLog,
} from './verify-witnessing.ts';
import type { WitnessPolicy } from './witness-policy.ts';

export interface VerifyOptions {
  /** The object asked about; a bundle about another one is a finding. */
  readonly object?: string;
  /** What the inspector trusts. Without it the evidence is checked against its own genesis. */
  readonly anchor?: TrustAnchor;
  readonly profile?: ProfileHooks;
  readonly witnessPolicy?: WitnessPolicy;
  /**
   * Who reads the sealed sections (DESIGN §11): an org, a clearance and the org's X25519
   * encryption keys. Without one, or without a key that opens a section, the profile's rules that
   * need its fields report them as not checkable at this clearance. Integrity does not depend on it.
   */
  readonly reader?: SealedReader;
  /**
   * The time the trace is judged at, ms: cosignatures made later do not count, claims later are
   * in the future, unwitnessed entries are late once this far past their claim, and the profile's
   * deadlines run to it. Default: the latest time in the evidence (block and cosignature times).
   */
  readonly asOf?: number;
  readonly onProgress?: (progress: {
    readonly phase: string;
    readonly done: number;
    readonly total: number;
  }) => void;
}

export interface Verification {
  readonly report: TraceReport;
  /** The object's entries in causal order, for replay. */
  readonly entries: readonly TracedEntry[];
  /** The view the profile's hooks were given (undefined when the genesis was unusable). */
  readonly trace: ProfileTrace | undefined;
}

function traced(e: EntryEvidence, w: Witnessing | undefined, s: SealedReading | undefined): TracedEntry {
  return {
    id: e.id as Uint8Array,
    idHex: e.idHex as string,
    org: e.org,
    index: e.index,
    entry: e.entry as Entry,
    envelope: e.envelope,
    ...(e.operator === undefined ? {} : { operator: e.operator }),
    valid: e.intact && e.included && e.authorized,
    ...(w?.firstWitnessed === undefined ? {} : { firstWitnessed: w.firstWitnessed }),
    witnesses: w?.witnesses ?? [],
    ...(e.covering === undefined ? {} : { loggedAt: e.covering.time }),
    findings: e.findings,
    ...(s === undefined ? {} : { sealed: s.status }),
    ...(s?.unsealed === undefined ? {} : { unsealed: s.unsealed }),
  };
}

export function verifyBundle(bundle: Bundle, options: VerifyOptions = {}): Verification {
  const findings: Finding[] = [];
  const progress = options.onProgress ?? (() => undefined);
  if (options.object !== undefined && options.object !== bundle.object) {
    findings.push(
      findingOf(
        'TRACE_OBJECT_MISMATCH',
        `asked about "${options.object}"; the evidence is about "${bundle.object}"`,
        { part: 'bundle' },
      ),
    );
  }
  progress({ phase: 'governance', done: 0, total: bundle.governance.length });
  const governance = verifyGovernance(bundle, options.anchor, findings);
  if (governance === undefined) {
    const report = unusableGenesisReport(bundle, findings, options.profile?.id, options.asOf ?? 0);
    return { report, entries: [], trace: undefined };
  }
  const { genesis, network, state } = governance;

  let profile = options.profile;
  if (profile === undefined) {
    findings.push(
      findingOf('TRACE_PROFILE_UNAVAILABLE', `profile ${genesis.profile} is not available to this verifier`, {
        part: 'profile',
      }),
    );
  } else if (profile.id !== genesis.profile) {
    findings.push(
      findingOf(
        'TRACE_PROFILE_MISMATCH',
        `profile ${profile.id} given; the network uses ${genesis.profile}`,
        { part: 'profile' },
      ),
    );
    profile = undefined;
  }
  const parameters = state.parametersAt();
  const ctx: VerifyContext = {
    genesis,
    network,
    governance: state,
    keyring: new Keyring(network, state),
    skewMs: parameters.maxClockSkewMs,
    maxEntryBytes: parameters.maxEntryBytes,
    asOf: options.asOf,
    profile,
    findings,
  };

  const total = bundle.logs.reduce((n, log) => n + log.entries.length, 0);
  let done = 0;
  const logs: LogEvidence[] = bundle.logs.map((log) => {
    const checkpoints = verifyCheckpoints(ctx, log);
    const entries = verifyEntries(ctx, log, checkpoints);
    done += entries.length;
    progress({ phase: 'entries', done, total });
    return { org: log.org, checkpoints, entries };
  });
  progress({ phase: 'authority', done: 0, total });
  const { operators } = verifyAuthority(ctx, logs);

  const all = logs.flatMap((l) => l.entries);
  const dag = verifyDag(ctx, bundle.object, all);
  if (dag.ordered.length === 0) {
    findings.push(
      findingOf('TRACE_EMPTY', `the evidence holds no entry of "${bundle.object}"`, { part: 'bundle' }),
    );
  }
  const evidenceTimes = logs.flatMap((l) =>
    l.checkpoints.flatMap((c) => [
      ...(c.header === undefined ? [] : [c.header.time]),
      ...c.cosignatures.map((s) => s.time),
    ]),
  );
  const asOf = options.asOf ?? evidenceTimes.reduce((a, b) => Math.max(a, b), 0);
  checkFuture(ctx, dag.ordered, asOf);

  const members = state.orgsAt().map((o) => o.id);
  const witnessing = new Map<EntryEvidence, Witnessing>();
  const coverage = new Map<string, LogCoverage>();
  for (const log of logs) {
    for (const [e, w] of witnessLog(log)) witnessing.set(e, w);
    coverage.set(log.org, coverageOf(log, members, options.witnessPolicy ?? {}));
  }
  const judged = judgeWitnessing(ctx, dag.ordered, witnessing, coverage, asOf);
  const missingAttachments = verifyAttachments(ctx, dag.ordered, bundle.attachments);
  const ownIds = new Set(dag.ordered);
  const sealed = openSealed(
    ctx,
    [...dag.ordered, ...[...dag.byId.values()].filter((e) => !ownIds.has(e))],
    options.reader,
  );

  const entries = dag.ordered.map((e) => traced(e, witnessing.get(e), sealed.get(e)));
  const tracedById = new Map<string, TracedEntry>();
  for (const e of dag.byId.values())
    tracedById.set(e.idHex as string, traced(e, witnessing.get(e), sealed.get(e)));
  for (const t of entries) tracedById.set(t.idHex, t);
  const evidence = [...tracedById.values()].filter((t) => !t.entry.kind.startsWith('org.'));
  const trace: ProfileTrace = {
    object: bundle.object,
    genesis,
    asOf,
    entries,
    evidence,
    entry: (id) => tracedById.get(id),
    operators,
  };

  progress({ phase: 'rules', done: 0, total: entries.length });
  let accountability: AccountabilityView | undefined;
  if (profile !== undefined) {
    try {
      for (const f of profile.check?.(trace) ?? []) {
        const about = f.entry === undefined ? undefined : tracedById.get(f.entry);
        findings.push({
          severity: f.severity,
          code: f.code,
          clause: f.clause,
          message: f.message,
          subject: {
            part: 'profile',
            ...(about === undefined ? {} : { org: about.org, index: about.index, entry: about.idHex }),
          },
          ...(f.related === undefined ? {} : { related: f.related }),
        });
        (about?.findings as string[] | undefined)?.push(f.code);
      }
      accountability = profile.accountability?.(trace);
    } catch (error) {
      findings.push(
        findingOf('TRACE_PROFILE_FAILED', `profile ${profile.id}: ${(error as Error).message}`, {
          part: 'profile',
        }),
      );
    }
  }
  accountability ??= defaultAccountability(entries, state, profile);
  progress({ phase: 'rules', done: entries.length, total: entries.length });

  const late = new Map(judged.late.map((l) => [l.entry, { lagMs: l.lagMs, witnessed: l.witnessed }]));
  const sorted = [...findings].sort(bySeverity);
  const count = (s: Finding['severity']) => sorted.filter((f) => f.severity === s).length;
  const report: TraceReport = {
    format: REPORT_FORMAT,
    object: bundle.object,
    network: toHex(network),
    anchored: options.anchor !== undefined,
    ...(options.reader === undefined
      ? {}
      : {
          reader: {
            ...(options.reader.org === undefined ? {} : { org: options.reader.org }),
            clearance: options.reader.clearance,
          },
        }),
    profile: { id: genesis.profile, checked: profile !== undefined },
    asOf,
    verdict: verdictOf(sorted),
    summary: {
      entries: entries.length,
      validEntries: entries.filter((t) => t.valid).length,
      orgs: [...new Set(entries.map((t) => t.org))].sort(),
      errors: count('error'),
      warnings: count('warning'),
      infos: count('info'),
      governanceActions: { given: bundle.governance.length, applied: governance.applied },
    },
    entries: entries.map((t, i) =>
      reportEntry(t, i + 1, stageOf(profile, t.entry.kind), profile?.summarize?.(t.entry), late.get(t.idHex)),
    ),
    findings: sorted,
    accountability,
    witnessing: {
      logs: [...coverage.values()],
      covered: entries.length - judged.missing.length,
      total: entries.length,
    },
    lateRecordings: judged.late,
    gaps: { attachments: missingAttachments, cosignatures: judged.missing, citedEntries: dag.missingCited },
  };
  return { report, entries, trace };
}
