/**
 * Every rule declares the body fields it reads (`reads`), and the catalogue prints them with their
 * classification: that is how a reader learns which rules it cannot check at its clearance. Here
 * each rule runs over generated projects (clean, every plant together, every incident preset) as
 * a cleared reader sees them, with every body watched; a field read and not declared, or declared
 * and never read, fails.
 */
import { type CborMap, type Entry, type ProfileEntry, toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { KIND_DESCRIPTORS, RULES, renderRulesDoc } from '../src/index.ts';
import { OperatorDirectory } from '../src/operators.ts';
import type { RuleContext } from '../src/rules/types.ts';
import {
  generateScenario,
  incidentScenario,
  PLANT_CODES,
  PRESET_NAMES,
  type Scenario,
  unsealedEntries,
} from '../src/scenario/index.ts';
import { TraceIndex } from '../src/trace-index.ts';
import { accept, History, laidSewer, layer, PROJECT, SEGMENT } from './history.ts';

const TOP_LEVEL = new Map(
  KIND_DESCRIPTORS.map((k) => [k.kind, new Set(k.fields.map((f) => /^[^.[]+/.exec(f.path)?.[0] ?? f.path))]),
);

/** Reads of `kind field`, by rule code, while `current` names the rule being run. */
const reads = new Map<string, Set<string>>();
let current: string | undefined;

function watched(kind: string, body: CborMap): CborMap {
  return new Proxy(body, {
    get(target, key, receiver) {
      if (current !== undefined && typeof key === 'string' && TOP_LEVEL.get(kind)?.has(key)) {
        const set = reads.get(current) ?? new Set<string>();
        set.add(`${kind} ${key}`);
        reads.set(current, set);
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

type Judged = Pick<Scenario, 'entries' | 'orgs' | 'asOf' | 'firstWitnessed' | 'operators'>;

/** Each entry as the cleared reader sees it, its whole body (sealed fields opened) watched. */
function watchedEntries(s: Judged): ProfileEntry[] {
  return unsealedEntries(s).map((e) => {
    const { sealed: _sealed, ...rest } = e.entry;
    const entry: Entry = { ...rest, body: watched(e.entry.kind, { ...e.entry.body, ...e.unsealed }) };
    return { id: e.id, entry };
  });
}

function runRules(s: Judged): void {
  const trace = new TraceIndex(watchedEntries(s));
  // Body validation reads every field; it is not a rule's need.
  for (const node of trace.nodes) trace.body(node, node.entry.kind as never);
  const ctx: RuleContext = {
    trace,
    mode: 'evaluate',
    asOf: s.asOf,
    firstWitnessed: s.firstWitnessed,
    operators: new OperatorDirectory(s.operators),
  };
  for (const rule of RULES) {
    current = rule.code;
    try {
      for (const node of trace.nodes) {
        if (rule.kinds === undefined || rule.kinds.includes(node.entry.kind)) rule.check(ctx, node);
      }
    } finally {
      current = undefined;
    }
  }
}

const declared = (code: string) =>
  new Set(
    Object.entries(RULES.find((r) => r.code === code)?.reads ?? {}).flatMap(([kind, fields]) =>
      (fields as readonly string[]).map((f) => `${kind} ${f}`),
    ),
  );

/**
 * Two stories no generated project tells: a replaced lead signing in the lead's capacity, and a
 * backfill layer over joints the acceptance left out.
 */
function untold(): Judged {
  const h = new History();
  const { at } = laidSewer(h);
  accept(h, at(13), [0, 30]);
  layer(h, SEGMENT, at(13, 15), 1, 'haunch');
  const huang = h.cast.person('pm-huang');
  h.add('pm-huang', 'PM', PROJECT, 'party.lead-appointed', at(20), {
    party: 'contractor',
    name: huang.name,
    creditCode: h.cast.orgs.find((o) => o.id === 'contractor')?.creditCode ?? '',
    licence: huang.licence,
    idHash: toHex(huang.idHash),
  });
  h.add('pm-zhang', 'PM', PROJECT, 'acceptance.party-report', at(30), {
    party: 'contractor',
    conclusion: 'qualified',
    reportNo: 'R',
  });
  return {
    entries: h.entries,
    orgs: h.cast.orgs,
    asOf: at(40),
    firstWitnessed: h.w.firstWitnessed,
    operators: h.operators(),
  };
}

describe('the fields each rule reads', () => {
  it('are exactly the fields it declares', () => {
    const fast = { years: 22, patrolsPerYear: 1 } as const;
    for (const s of [
      generateScenario({ segments: 3, ...fast }),
      generateScenario({ ...fast, plant: PLANT_CODES }),
      ...PRESET_NAMES.map((p) => incidentScenario(p, { patrolsPerYear: 1 })),
      untold(),
    ]) {
      runRules(s);
    }
    for (const rule of RULES) {
      const read = [...(reads.get(rule.code) ?? [])].sort();
      expect(read, `${rule.code} reads`).toEqual([...declared(rule.code)].sort());
    }
  }, 300_000);

  it('are in the catalogue with their classification, and the restricted ones named per rule', () => {
    const doc = renderRulesDoc();
    const section = (code: string) => doc.slice(doc.indexOf(`### ${code} `)).split('\n### ')[0] as string;
    expect(section('P-ASBUILT')).toContain(
      '- fields read: `construction.backfill-layer` chainage (public), final (public); `survey.as-built` chainage (public), planAccuracyMm (restricted), heightAccuracyMm (restricted)',
    );
    expect(section('P-ASBUILT')).toContain(
      '- restricted fields needed: `survey.as-built` planAccuracyMm, `survey.as-built` heightAccuracyMm',
    );
    expect(section('P-CONTEMPORANEOUS')).toContain('- fields read: none');
    for (const rule of RULES) {
      expect(section(rule.code), rule.code).toMatch(/\n- fields read: .+\n- restricted fields needed: .+\n/);
    }
  });
});
