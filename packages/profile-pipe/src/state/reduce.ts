/**
 * The reducer: folds an object's entries, in causal order, into its state. Each step returns a
 * new state and shares every part it did not change, so replay can keep the state after every
 * step and diff neighbours cheaply.
 */
import { type ProfileEntry, toHex } from '@liuhen/core';
import { checkBody } from '../body.ts';
import { objectTypeOf } from '../ids.ts';
import { type BodyOf, type KindName, kindSpec } from '../kinds/index.ts';
import { addMonths, DAY, HOUR } from '../time.ts';
import { addInterval } from './intervals.ts';
import type { Interval, JointState, Obligation, PipeObjectState, TestRecord } from './types.ts';

export function initialState(object: string): PipeObjectState {
  return {
    object,
    type: objectTypeOf(object),
    status: undefined,
    entries: 0,
    skipped: 0,
    aliases: [],
    leads: {},
    designHistory: [],
    progress: {
      excavated: [],
      bedded: [],
      laid: [],
      backfilled: [],
      finalBackfill: [],
      backfillLayers: 0,
      asBuiltSurveyed: false,
    },
    joints: {},
    tests: [],
    acceptance: { lots: {}, subitems: {}, subdivisions: {}, partyReports: {} },
    conditions: [],
    maintenance: [],
    patrols: 0,
    obligations: [],
  };
}

interface Step {
  readonly id: string;
  readonly e: ProfileEntry;
  readonly time: number;
}

type Handler = (state: PipeObjectState, step: Step, body: never) => PipeObjectState;

function open(state: PipeObjectState, ...add: Obligation[]): PipeObjectState {
  return { ...state, obligations: [...state.obligations, ...add] };
}

function close(state: PipeObjectState, done: (o: Obligation) => boolean): PipeObjectState {
  const obligations = state.obligations.filter((o) => !done(o));
  return obligations.length === state.obligations.length ? state : { ...state, obligations };
}

const STATUS_ORDER = [
  'registered',
  'designed',
  'under-construction',
  'completed',
  'in-service',
  'decommissioned',
];

function advance(state: PipeObjectState, status: NonNullable<PipeObjectState['status']>): PipeObjectState {
  const at = state.status === undefined ? -1 : STATUS_ORDER.indexOf(state.status);
  return STATUS_ORDER.indexOf(status) > at ? { ...state, status } : state;
}

function event(state: PipeObjectState, step: Step, summary: string): PipeObjectState {
  return {
    ...state,
    maintenance: [
      ...state.maintenance,
      { entry: step.id, kind: step.e.entry.kind, time: step.time, summary },
    ],
  };
}

/** Joints in `range` become covered by `step`. */
function cover(state: PipeObjectState, range: Interval, step: Step): PipeObjectState {
  let joints: Record<string, JointState> | undefined;
  for (const joint of Object.values(state.joints)) {
    if (joint.coveredBy !== undefined || joint.chainageM < range[0] || joint.chainageM > range[1]) continue;
    joints ??= { ...state.joints };
    joints[joint.joint] = {
      ...joint,
      coveredBy: step.id,
      coveredUnaccepted: joint.hiddenWorks !== 'accepted',
    };
  }
  return joints === undefined ? state : { ...state, joints };
}

function test(
  state: PipeObjectState,
  step: Step,
  record: Omit<TestRecord, 'entry' | 'time' | 'witnessedBy'>,
) {
  return {
    ...state,
    tests: [...state.tests, { ...record, entry: step.id, time: step.time, witnessedBy: [] }],
  };
}

function archiveUpdateDue(state: PipeObjectState, step: Step, what: string): PipeObjectState {
  return open(state, {
    key: `archive-update:${step.id}`,
    code: 'P-DEADLINES',
    anchor: step.id,
    description: `archive.updated after ${what}`,
    dueAt: addMonths(step.time, 3),
  });
}

const HANDLERS: {
  [K in KindName]?: (state: PipeObjectState, step: Step, body: BodyOf<K>) => PipeObjectState;
} = {
  'project.registered': (s, _, b) =>
    advance(
      { ...s, project: { name: b.name, permitNo: b.permitNo, designLifeYears: b.designLifeYears } },
      'registered',
    ),
  'party.lead-appointed': (s, step, b) => ({
    ...s,
    leads: {
      ...s.leads,
      [b.party]: { party: b.party, name: b.name, licence: b.licence, entry: step.id, time: step.time },
    },
  }),
  'design.issued': (s, step, b) => {
    const { issuedAt: _, ...params } = b;
    const record = {
      entry: step.id,
      time: step.time,
      revision: 0,
      major: false,
      ownerApproved: true,
      params,
    };
    return advance({ ...s, design: record, designHistory: [...s.designHistory, record] }, 'designed');
  },
  'design.revised': (s, step, b) => {
    const { issuedAt: _, revisionNo, reason: __, major, ...params } = b;
    const record = {
      entry: step.id,
      time: step.time,
      revision: revisionNo,
      major,
      ownerApproved: false,
      params,
    };
    const next = { ...s, design: record, designHistory: [...s.designHistory, record] };
    if (s.status !== 'under-construction') return next;
    return open(next, {
      key: `cosign:${step.id}:OWN`,
      code: 'P-DESIGN-CHANGE',
      anchor: step.id,
      description: `owner approval of design revision ${revisionNo}`,
    });
  },
  'construction.started': (s) => advance(s, 'under-construction'),
  'construction.trench-excavated': (s, _, b) =>
    advance(
      { ...s, progress: { ...s.progress, excavated: addInterval(s.progress.excavated, b.chainage) } },
      'under-construction',
    ),
  'construction.bedding': (s, step, b) =>
    cover(
      { ...s, progress: { ...s.progress, bedded: addInterval(s.progress.bedded, b.chainage) } },
      b.chainage,
      step,
    ),
  'construction.pipe-laid': (s, _, b) => ({
    ...s,
    progress: { ...s.progress, laid: addInterval(s.progress.laid, b.chainage) },
  }),
  'construction.joint-made': (s, step, b) =>
    open(
      {
        ...s,
        joints: {
          ...s.joints,
          [b.joint]: {
            joint: b.joint,
            chainageM: b.chainage[0],
            type: b.type,
            madeAt: step.time,
            entry: step.id,
            hiddenWorks: 'pending',
            coveredUnaccepted: false,
          },
        },
      },
      {
        key: `hidden:${b.joint}`,
        code: 'P-COVER',
        anchor: step.id,
        description: `hidden-works acceptance of ${b.joint} before covering`,
      },
    ),
  'construction.manhole-built': (s) => advance(s, 'under-construction'),
  'inspection.hidden-works-accepted': (s, step, b) => {
    const joints = { ...s.joints };
    const accepted: string[] = [];
    for (const joint of Object.values(s.joints)) {
      if (
        joint.chainageM < b.chainage[0] ||
        joint.chainageM > b.chainage[1] ||
        joint.hiddenWorks === 'accepted'
      )
        continue;
      const ok = b.conclusion === 'accepted';
      joints[joint.joint] = { ...joint, hiddenWorks: ok ? 'accepted' : 'rejected', acceptedBy: step.id };
      if (ok) accepted.push(`hidden:${joint.joint}`);
    }
    return close({ ...s, joints }, (o) => accepted.includes(o.key));
  },
  'test.pressure': (s, step, b) =>
    open(
      test(s, step, {
        kind: 'test.pressure',
        pass: b.pass,
        chainage: b.chainage,
        summary: `${b.testPressureMPa} MPa for ${b.holdMin} min, drop ${b.pressureDropMPa} MPa, gauge ${b.gaugeId}`,
      }),
      {
        key: `witness:${step.id}`,
        code: 'P-TEST-CONDITIONS',
        anchor: step.id,
        description: 'SE witness of the pressure test',
      },
    ),
  'test.closed-water': (s, step, b) =>
    test(s, step, {
      kind: 'test.closed-water',
      pass: b.pass,
      chainage: b.chainage,
      summary: `head ${b.headM} m for ${b.holdMin} min, seepage ${b.leakageLPerMinKm} L/(min·km)`,
    }),
  'commissioning.flush-disinfect': (s, step, b) =>
    test(s, step, {
      kind: 'commissioning.flush-disinfect',
      pass: b.pass,
      chainage: b.chainage,
      summary: `turbidity ${b.turbidityNtu} NTU, chlorine ${b.residualChlorineMgPerL} mg/L`,
    }),
  'construction.backfill-layer': (s, step, b) => {
    const progress = {
      ...s.progress,
      backfilled: addInterval(s.progress.backfilled, b.chainage),
      backfillLayers: s.progress.backfillLayers + 1,
      finalBackfill: b.final ? addInterval(s.progress.finalBackfill, b.chainage) : s.progress.finalBackfill,
    };
    return cover({ ...s, progress }, b.chainage, step);
  },
  'survey.as-built': (s) => ({ ...s, progress: { ...s.progress, asBuiltSurveyed: true } }),
  'inspection.handover-cctv': (s, step, b) => event(s, step, `handover CCTV: ${b.defects.length} defect(s)`),
  'acceptance.lot': (s, step, b) => ({
    ...s,
    acceptance: {
      ...s.acceptance,
      lots: { ...s.acceptance.lots, [b.code]: { entry: step.id, result: b.result } },
    },
  }),
  'acceptance.subitem': (s, step, b) => ({
    ...s,
    acceptance: {
      ...s.acceptance,
      subitems: { ...s.acceptance.subitems, [b.code]: { entry: step.id, result: b.result } },
    },
  }),
  'acceptance.subdivision': (s, step, b) => ({
    ...s,
    acceptance: {
      ...s.acceptance,
      subdivisions: { ...s.acceptance.subdivisions, [b.code]: { entry: step.id, result: b.result } },
    },
  }),
  'acceptance.pre-acceptance': (s, step, b) => ({
    ...s,
    acceptance: { ...s.acceptance, preAcceptance: { entry: step.id, result: b.result } },
  }),
  'acceptance.party-report': (s, step, b) => ({
    ...s,
    acceptance: {
      ...s.acceptance,
      partyReports: { ...s.acceptance.partyReports, [b.party]: { entry: step.id, conclusion: b.conclusion } },
    },
  }),
  'archive.pre-accepted': (s, step, b) => ({
    ...s,
    acceptance: { ...s.acceptance, archivePreAccepted: { entry: step.id, opinion: b.opinion } },
  }),
  'acceptance.completion': (s, step, b) => {
    const next = advance(
      {
        ...s,
        acceptance: {
          ...s.acceptance,
          completion: { entry: step.id, time: step.time, conclusion: b.conclusion },
        },
      },
      'completed',
    );
    if (b.conclusion !== 'qualified') return next;
    return open(
      next,
      {
        key: `filing:${step.id}`,
        code: 'P-DEADLINES',
        anchor: step.id,
        description: 'acceptance.filed',
        dueAt: step.time + 15 * DAY,
      },
      {
        key: `archive-transfer:${step.id}`,
        code: 'P-DEADLINES',
        anchor: step.id,
        description: 'archive.transferred',
        dueAt: addMonths(step.time, 3),
      },
    );
  },
  'acceptance.filed': (s, step, b) =>
    close(
      {
        ...s,
        acceptance: { ...s.acceptance, filed: { entry: step.id, time: step.time, filingNo: b.filingNo } },
      },
      (o) => o.key.startsWith('filing:'),
    ),
  'archive.transferred': (s, step) =>
    close(
      { ...s, acceptance: { ...s.acceptance, archiveTransferred: { entry: step.id, time: step.time } } },
      (o) => o.key.startsWith('archive-transfer:'),
    ),
  'handover.to-operator': (s, step, b) =>
    advance(
      {
        ...s,
        acceptance: {
          ...s.acceptance,
          handedOver: { entry: step.id, time: step.time, warrantyEndsAt: b.warrantyEndsAt },
        },
      },
      'in-service',
    ),
  'om.patrol': (s, step, b) => {
    const next = { ...s, patrols: s.patrols + 1 };
    const notable = b.observations.filter((o) => o.code !== 'normal');
    if (notable.length === 0) return next;
    const logged = event(next, step, `patrol: ${notable.map((o) => o.code).join(', ')}`);
    if (!notable.some((o) => o.code === 'cover-missing')) return logged;
    return open(
      logged,
      {
        key: `barrier:${step.id}`,
        code: 'P-COVERS',
        anchor: step.id,
        description: 'barrier around the open manhole',
        dueAt: step.time + 2 * HOUR,
      },
      {
        key: `restore:${step.id}`,
        code: 'P-COVERS',
        anchor: step.id,
        description: 'cover restored',
        dueAt: step.time + 6 * HOUR,
      },
    );
  },
  'om.cover-secured': (s, step, b) => {
    const patrol = step.e.entry.refs.flatMap((r) =>
      'entry' in r && r.rel === 'patrol' ? [toHex(r.entry)] : [],
    )[0];
    const key = `${b.action === 'barrier' ? 'barrier' : 'restore'}:${patrol}`;
    return close(event(s, step, `cover ${b.action}`), (o) => o.key === key);
  },
  'om.cleaning': (s, step, b) => event(s, step, `cleaning (${b.method}): ${b.volumeM3} m³ removed`),
  'om.condition-assessment': (s, step, b) => {
    const grades: Record<string, number> = {};
    for (const d of b.defects) grades[d.code] = Math.max(grades[d.code] ?? 0, d.grade);
    const next = {
      ...s,
      conditions: [
        ...s.conditions,
        {
          entry: step.id,
          time: step.time,
          structuralClass: b.structuralClass,
          functionalClass: b.functionalClass,
          structuralF: b.structuralF,
          grades,
        },
      ],
    };
    if (b.structuralClass !== 'IV') return next;
    return open(next, {
      key: `class-iv:${step.id}`,
      code: 'P-CLASS-IV',
      anchor: step.id,
      description: 'repair, rehabilitation or risk acceptance of the class IV finding',
      dueAt: step.time + 30 * DAY,
    });
  },
  'om.repair': (s, step, b) => {
    const next = close(
      event(s, step, `repair (${b.method})${b.emergency ? ', emergency' : ''}`),
      (o) => o.code === 'P-CLASS-IV',
    );
    return b.changesPipe ? archiveUpdateDue(next, step, 'a repair that changed the pipe') : next;
  },
  'om.rehabilitation': (s, step, b) =>
    archiveUpdateDue(
      close(
        event(s, step, `rehabilitation (${b.method}, ${b.linerThicknessMm} mm)`),
        (o) => o.code === 'P-CLASS-IV',
      ),
      step,
      'rehabilitation',
    ),
  'om.risk-accepted': (s, step) => close(event(s, step, 'risk accepted'), (o) => o.code === 'P-CLASS-IV'),
  'om.incident': (s, step, b) => event(s, step, `incident: ${b.type} at ${b.location}`),
  'lifecycle.decommissioned': (s, step, b) =>
    archiveUpdateDue(
      advance(
        { ...s, decommissioned: { entry: step.id, time: step.time, method: b.method } },
        'decommissioned',
      ),
      step,
      'decommissioning',
    ),
  'archive.updated': (s, step, b) => {
    const cited = step.e.entry.refs.flatMap((r) =>
      'entry' in r && r.rel === 'update-for' ? [toHex(r.entry)] : [],
    );
    return close(
      event(s, step, `archive updated (${b.reason})`),
      (o) => o.key.startsWith('archive-update:') && (cited.length === 0 || cited.includes(o.anchor)),
    );
  },
  'object.alias': (s, step, b) => {
    const aliases = s.aliases.map((a) =>
      a.scheme === b.scheme &&
      a.validFrom < b.validFrom &&
      (a.validUntil === undefined || a.validUntil > b.validFrom)
        ? { ...a, validUntil: b.validFrom }
        : a,
    );
    const record = { alias: b.alias, scheme: b.scheme, validFrom: b.validFrom, entry: step.id };
    return {
      ...s,
      aliases: [...aliases, b.validUntil === undefined ? record : { ...record, validUntil: b.validUntil }],
    };
  },
  attest: (s, step) => {
    const target = step.e.entry.refs.flatMap((r) =>
      'entry' in r && r.rel === 'attests' ? [toHex(r.entry)] : [],
    )[0];
    const role = step.e.entry.role;
    let next = close(
      s,
      (o) => o.key === `cosign:${target}:${role}` || (role === 'SE' && o.key === `witness:${target}`),
    );
    if (next.tests.some((t) => t.entry === target)) {
      next = {
        ...next,
        tests: next.tests.map((t) =>
          t.entry === target ? { ...t, witnessedBy: [...t.witnessedBy, role] } : t,
        ),
      };
    }
    if (role === 'OWN' && next.designHistory.some((d) => d.entry === target)) {
      const approve = <T extends { entry: string }>(d: T) =>
        d.entry === target ? { ...d, ownerApproved: true } : d;
      next = {
        ...next,
        designHistory: next.designHistory.map(approve),
        ...(next.design === undefined ? {} : { design: approve(next.design) }),
      };
    }
    return next;
  },
};

/** Cosignatures the kind requires, beyond the signer's own role, as open obligations. */
function cosignatures(state: PipeObjectState, step: Step): PipeObjectState {
  const spec = kindSpec(step.e.entry.kind);
  const roles = (spec?.cosigners ?? []).filter((r) => r !== step.e.entry.role);
  if (roles.length === 0) return state;
  return open(
    state,
    ...roles.map((role) => ({
      key: `cosign:${step.id}:${role}`,
      code: 'COSIGN',
      anchor: step.id,
      description: `${role} to attest ${step.e.entry.kind}`,
    })),
  );
}

export function reduce(state: PipeObjectState, e: ProfileEntry): PipeObjectState {
  const { entry } = e;
  const counted = {
    ...state,
    entries: state.entries + 1,
    lastTime: Math.max(state.lastTime ?? 0, entry.time),
  };
  const handler = HANDLERS[entry.kind as KindName] as Handler | undefined;
  if (
    kindSpec(entry.kind) === undefined ||
    !checkBody(entry.kind, entry.body, { sealed: entry.sealed !== undefined }).ok
  ) {
    return { ...counted, skipped: counted.skipped + 1 };
  }
  const step: Step = { id: toHex(e.id), e, time: entry.time };
  // Operation records on a segment or manhole mean it is in service, whatever the project shows.
  const live =
    entry.kind.startsWith('om.') && counted.status !== 'decommissioned'
      ? advance(counted, 'in-service')
      : counted;
  const folded = handler === undefined ? live : handler(live, step, entry.body as never);
  return cosignatures(folded, step);
}
