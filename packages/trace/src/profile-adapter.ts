/**
 * A domain profile (core's generic `Profile`, which packages/profile-pipe implements as `pipe/1`)
 * as the trace's hooks: its role table goes to the authority check, `evaluate` judges the object's
 * entries with the first-witnessed times and operator identities verification established, its
 * accountability view is carried into the report, and its reducer drives replay.
 */
import {
  type JsonValue,
  type OperatorIdentity,
  type Profile,
  type AccountabilityView as ProfileAccountability,
  toHex,
} from '@liuhen/core';
import type { RuleInfo } from './findings.ts';
import type {
  AccountabilityView,
  AccountableParty,
  ProfileFinding,
  ProfileHooks,
  ProfileTrace,
} from './profile.ts';

/** Plain JSON of a reducer state: bytes as hex, maps as objects, undefined left out. */
export function plainJson(value: unknown): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : plainJson(v)));
  if (value instanceof Map) return plainJson(Object.fromEntries(value));
  if (value instanceof Set) return plainJson([...value]);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value as object)) if (v !== undefined) out[k] = plainJson(v);
    return out;
  }
  return null;
}

function convertAccountability(view: ProfileAccountability): AccountabilityView {
  return {
    stages: view.stages.map((stage) => {
      const leads: AccountableParty[] = stage.leads.map((lead) => ({
        kind: 'lead',
        party: lead.party,
        org: lead.org ?? '',
        role: lead.role,
        signer: '',
        ...(lead.name === undefined ? {} : { name: lead.name }),
        ...(lead.licence === undefined ? {} : { licence: lead.licence }),
        entries: lead.entry === undefined ? [] : [lead.entry],
        first: lead.time ?? stage.from ?? 0,
        last: lead.time ?? stage.to ?? 0,
        ...(lead.status === 'in-force' && lead.note === undefined
          ? {}
          : {
              note: [lead.status === 'in-force' ? undefined : lead.status, lead.note]
                .filter(Boolean)
                .join(': '),
            }),
      }));
      const signers = new Map<string, AccountableParty>();
      for (const s of stage.signers) {
        const key = `${s.org} ${s.key} ${s.role}`;
        const earlier = signers.get(key);
        const note = s.status === 'valid' ? undefined : s.status;
        signers.set(key, {
          kind: 'signer',
          org: s.org,
          role: s.role,
          signer: s.key,
          ...(s.name === undefined ? {} : { name: s.name }),
          ...(s.licence === undefined ? {} : { licence: s.licence }),
          entries: [...(earlier?.entries ?? []), s.entry],
          first: Math.min(earlier?.first ?? s.time, s.time),
          last: Math.max(earlier?.last ?? s.time, s.time),
          ...((earlier?.note ?? note) === undefined ? {} : { note: (earlier?.note ?? note) as string }),
        });
      }
      return { stage: stage.stage, parties: [...leads, ...signers.values()] };
    }),
  };
}

function operatorsOf(trace: ProfileTrace): OperatorIdentity[] {
  return trace.operators.map((o) => ({ ...o }));
}

export function hooksFromProfile<State>(profile: Profile<State>): ProfileHooks<State> {
  const rules: RuleInfo[] = profile.rules.map((r) => ({
    code: r.code,
    severity: r.severity,
    clause: r.clause === '' ? r.standard : `${r.standard} — ${r.clause}`,
    title: r.title,
    explanation: r.explanation,
  }));
  const ruleOf = new Map(rules.map((r) => [r.code, r]));
  const stages = new Map(profile.kinds.map((k) => [k.kind, k.stage]));
  // The sealed fields go with the entries the reader opened, so the rules judge what it can see.
  const inputs = (trace: ProfileTrace) => ({
    entries: trace.evidence.map((t) => ({
      id: t.id,
      entry: t.entry,
      ...(t.unsealed === undefined ? {} : { unsealed: t.unsealed }),
    })),
    operators: operatorsOf(trace),
  });
  return {
    id: profile.id,
    mayRoleSign: (kind, role) => profile.mayRoleSign(kind, role),
    rules,
    check(trace) {
      const firstWitnessed = new Map<string, number>();
      for (const t of trace.evidence)
        if (t.firstWitnessed !== undefined) firstWitnessed.set(t.idHex, t.firstWitnessed);
      const { entries, operators } = inputs(trace);
      const evaluation = profile.evaluate({
        entries,
        focus: [trace.object],
        asOf: trace.asOf,
        firstWitnessed,
        operators,
      });
      const findings: ProfileFinding[] = evaluation.findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        clause: ruleOf.get(f.code)?.clause ?? '',
        message: f.message,
        entry: f.entry,
        ...(f.related.length === 0 ? {} : { related: f.related }),
      }));
      // A rule that could not be judged is never a pass: it is reported as not checkable. A
      // reason that says so itself ("not checkable at this clearance: …") is kept as it is.
      for (const u of evaluation.unchecked) {
        findings.push({
          code: u.code,
          severity: 'warning',
          clause: ruleOf.get(u.code)?.clause ?? '',
          message: /^not checkable\b/.test(u.reason) ? u.reason : `not checkable: ${u.reason}`,
          ...(u.entry === undefined ? {} : { entry: u.entry }),
        });
      }
      return findings;
    },
    accountability(trace) {
      const { entries, operators } = inputs(trace);
      return convertAccountability(profile.accountability({ object: trace.object, entries, operators }));
    },
    stageOf: (kind) => {
      const stage = stages.get(kind);
      return stage === undefined || stage === 'any' ? undefined : stage;
    },
    reducer: {
      initial: (object) => profile.initialState(object),
      apply: (state, t) => profile.reduce(state, { id: t.id, entry: t.entry }),
      toJson: plainJson,
    },
  };
}
