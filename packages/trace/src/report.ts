/**
 * The verification report: plain JSON (hex ids, ms times), the same for `--json`, the terminal
 * rendering and the HTML incident file, so every view shows one set of facts.
 */
import { cborToJson, type JsonValue, sha256, toHex } from '@liuhen/core';
import type { Bundle } from './bundle.ts';
import { bySeverity, type Finding } from './findings.ts';
import type { AccountabilityView, SealedStatus, TracedEntry } from './profile.ts';
import type { LogCoverage, WitnessJudgement } from './verify-witnessing.ts';

export const REPORT_FORMAT = 'liuhen-trace-report/1';

export type Verdict = 'verified' | 'verified-with-warnings' | 'failed';

export interface ReportEntry {
  /** 1-based position in causal order. */
  readonly step: number;
  readonly id: string;
  readonly org: string;
  readonly index: number;
  readonly kind: string;
  readonly stage: string;
  readonly time: number;
  readonly signer: string;
  readonly role: string;
  readonly operator?: { readonly name: string; readonly licence: string; readonly roles: readonly string[] };
  readonly parents: readonly string[];
  readonly refs: readonly { readonly entry?: string; readonly object?: string; readonly rel?: string }[];
  readonly attachments: readonly {
    readonly sha256: string;
    readonly size: number;
    readonly type: string;
    readonly name: string;
  }[];
  readonly classification: string;
  readonly body: JsonValue;
  readonly summary?: string;
  readonly valid: boolean;
  readonly loggedAt?: number;
  readonly firstWitnessed?: number;
  readonly witnesses: readonly string[];
  readonly late?: { readonly lagMs: number; readonly witnessed: boolean };
  /** Codes of the findings about this entry. */
  readonly findings: readonly string[];
  /**
   * The sealed section as the report's reader saw it: opened (with its fields), or restricted
   * with the reason and code. The fields are restricted content: a report that holds them is
   * as restricted as they are.
   */
  readonly sealed?: SealedStatus & { readonly fields?: JsonValue };
}

export interface TraceReport {
  readonly format: typeof REPORT_FORMAT;
  readonly object: string;
  /** Network id (genesis hash), lowercase hex. */
  readonly network: string;
  /** True when the genesis was checked against a trust anchor the inspector brought. */
  readonly anchored: boolean;
  /** Who read the sealed sections, when the inspector was given a reader (DESIGN §11). */
  readonly reader?: { readonly org?: string; readonly clearance: string };
  readonly profile: { readonly id: string; readonly checked: boolean };
  readonly asOf: number;
  readonly verdict: Verdict;
  readonly summary: {
    readonly entries: number;
    readonly validEntries: number;
    readonly orgs: readonly string[];
    readonly errors: number;
    readonly warnings: number;
    readonly infos: number;
    readonly governanceActions: { readonly given: number; readonly applied: number };
  };
  /** The object's entries in causal order. */
  readonly entries: readonly ReportEntry[];
  /** Errors first, then warnings, then information. */
  readonly findings: readonly Finding[];
  readonly accountability: AccountabilityView;
  readonly witnessing: {
    readonly logs: readonly LogCoverage[];
    readonly covered: number;
    readonly total: number;
  };
  readonly lateRecordings: WitnessJudgement['late'];
  readonly gaps: {
    readonly attachments: readonly {
      readonly entry: string;
      readonly sha256: string;
      readonly name: string;
      readonly type: string;
      readonly size: number;
    }[];
    readonly cosignatures: WitnessJudgement['missing'];
    readonly citedEntries: readonly { readonly entry: string; readonly cites: string }[];
  };
}

export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.severity === 'error')) return 'failed';
  return findings.some((f) => f.severity === 'warning') ? 'verified-with-warnings' : 'verified';
}

export function reportEntry(
  t: TracedEntry,
  step: number,
  stage: string,
  summary: string | undefined,
  late: ReportEntry['late'],
): ReportEntry {
  const e = t.entry;
  return {
    step,
    id: t.idHex,
    org: t.org,
    index: t.index,
    kind: e.kind,
    stage,
    time: e.time,
    signer: toHex(e.signer),
    role: e.role,
    ...(t.operator === undefined
      ? {}
      : { operator: { name: t.operator.name, licence: t.operator.licence, roles: [...t.operator.roles] } }),
    parents: e.parents.map(toHex),
    refs: e.refs.map((r) => ('entry' in r ? { ...r, entry: toHex(r.entry) } : { ...r })),
    attachments: e.attachments.map((a) => ({
      sha256: toHex(a.sha256),
      size: a.size,
      type: a.type,
      name: a.name,
    })),
    classification: e.classification,
    body: cborToJson(e.body),
    ...(summary === undefined ? {} : { summary }),
    valid: t.valid,
    ...(t.loggedAt === undefined ? {} : { loggedAt: t.loggedAt }),
    ...(t.firstWitnessed === undefined ? {} : { firstWitnessed: t.firstWitnessed }),
    witnesses: t.witnesses,
    ...(late === undefined ? {} : { late }),
    findings: [...new Set(t.findings)],
    ...(t.sealed === undefined
      ? {}
      : {
          sealed: {
            ...t.sealed,
            ...(t.unsealed === undefined ? {} : { fields: cborToJson(t.unsealed) }),
          },
        }),
  };
}

/** The report when the genesis itself is unusable: nothing else can be judged, so nothing else is. */
export function unusableGenesisReport(
  bundle: Bundle,
  findings: readonly Finding[],
  profile: string | undefined,
  asOf: number,
): TraceReport {
  const sorted = [...findings].sort(bySeverity);
  const count = (s: Finding['severity']) => sorted.filter((f) => f.severity === s).length;
  return {
    format: REPORT_FORMAT,
    object: bundle.object,
    network: toHex(sha256(bundle.genesis)),
    anchored: false,
    profile: { id: profile ?? 'unknown', checked: false },
    asOf,
    verdict: 'failed',
    summary: {
      entries: 0,
      validEntries: 0,
      orgs: [],
      errors: count('error'),
      warnings: count('warning'),
      infos: count('info'),
      governanceActions: { given: bundle.governance.length, applied: 0 },
    },
    entries: [],
    findings: sorted,
    accountability: { stages: [] },
    witnessing: { logs: [], covered: 0, total: 0 },
    lateRecordings: [],
    gaps: { attachments: [], cosignatures: [], citedEntries: [] },
  };
}
