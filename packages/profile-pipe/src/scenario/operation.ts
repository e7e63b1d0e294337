/**
 * Decades of operation: patrols, cleaning, CCTV condition assessments every five years, a census
 * that renumbers the network, repairs, a rehabilitation and a decommissioning — and, for the
 * presets, the incident histories the domain document asks a replay to answer. Everything is
 * planned on a timeline and written in claimed-time order.
 */
import { type CborMap, type SignedEntry, toHex } from '@liuhen/core';
import { segmentAlias } from '../ids.ts';
import type { Role } from '../roles.ts';
import { YEAR } from './cast.ts';
import {
  type Build,
  DAY,
  expect,
  HOUR,
  type Later,
  MINUTE,
  type SegmentPlan,
  Timeline,
  waterMains,
} from './plan.ts';

interface Defect {
  code: string;
  grade: number;
  distanceM: number;
  clock: string;
  lengthM: number;
}

const CLASS_F = { I: 0.6, II: 2.1, III: 4.4, IV: 7.3 } as const;

interface Ops {
  readonly b: Build;
  readonly t: Timeline;
}

function opr(b: Build, time: number) {
  return b.cast.on('utility', 'OPR', time);
}

/** Plans a write at `time`; the returned handle holds the entry once the timeline reaches it. */
function plan(o: Ops, time: number, write: () => SignedEntry, then?: (e: SignedEntry) => void): Later {
  const later: Later = {};
  o.t.at(time, () => {
    later.entry = write();
    then?.(later.entry);
  });
  return later;
}

function attestLater(
  o: Ops,
  target: Later,
  handle: string | undefined,
  role: Role,
  time: number,
  statement = 'agreed',
): void {
  o.t.at(time, () => {
    const by = handle === undefined ? opr(o.b, time) : o.b.cast.person(handle);
    o.b.w.attest(target.entry as SignedEntry, by, role, time, statement);
  });
}

function assess(
  o: Ops,
  seg: SegmentPlan,
  time: number,
  defects: Defect[],
  structuralClass: keyof typeof CLASS_F,
  functionalClass = 'I',
  then?: (e: SignedEntry) => void,
): Later {
  const { b } = o;
  const found = plan(
    o,
    time,
    () => {
      const video = b.w.file(`${seg.alias}-${time}.mp4`, 'video/mp4', `CCTV ${seg.alias} ${time}`);
      return b.w.write({
        by: b.cast.on('cctv', 'CCTV', time),
        role: 'CCTV',
        object: seg.id,
        kind: 'om.condition-assessment',
        time,
        body: {
          lengthInspectedM: seg.lengthM,
          defects: defects as unknown as CborMap[],
          structuralF: CLASS_F[structuralClass],
          repairIndexRI: Math.round(CLASS_F[structuralClass] * 9) / 10,
          maintenanceIndexMI: functionalClass === 'I' ? 0.5 : 2.4,
          structuralClass,
          functionalClass,
          videoSha256: toHex(video.sha256),
        },
        attachments: [video],
      });
    },
    then,
  );
  attestLater(o, found, undefined, 'OPR', time + 2 * HOUR, 'witnessed');
  return found;
}

function archiveUpdate(o: Ops, object: string, time: number, cause: Later, reason: string): void {
  const { b } = o;
  plan(o, time, () =>
    b.w.write({
      by: b.cast.on('archive', 'ARC', time),
      role: 'ARC',
      object,
      kind: 'archive.updated',
      time,
      body: {
        reason,
        recordNo: `城档更新-${toHex((cause.entry as SignedEntry).id).slice(0, 8)}`,
        drawingsUpdated: true,
      },
      refs: [{ entry: (cause.entry as SignedEntry).id, rel: 'update-for' }],
    }),
  );
}

function repair(
  o: Ops,
  seg: SegmentPlan,
  time: number,
  method: string,
  cause: Later | undefined,
  options: { changesPipe: boolean; emergency: boolean; chainage?: [number, number] },
): Later {
  const { b } = o;
  const done = plan(o, time, () =>
    b.w.write({
      by: b.cast.person('rpm-deng'),
      role: 'PM',
      object: seg.id,
      kind: 'om.repair',
      time,
      body: {
        method,
        changesPipe: options.changesPipe,
        emergency: options.emergency,
        ...(options.chainage ? { chainage: options.chainage } : {}),
      },
      refs: cause?.entry ? [{ entry: cause.entry.id, rel: 'defect' }] : [],
      attachments: [b.w.file(`${seg.alias}-repair-${time}.mp4`, 'video/mp4', 'before and after CCTV')],
    }),
  );
  attestLater(o, done, undefined, 'OPR', time + HOUR);
  if (options.changesPipe) archiveUpdate(o, seg.id, time + 40 * DAY, done, 'repair');
  return done;
}

function rehabilitate(o: Ops, seg: SegmentPlan, time: number, assessment: Later | undefined): Later {
  const { b } = o;
  const done = plan(o, time, () =>
    b.w.write({
      by: b.cast.person('rpm-deng'),
      role: 'PM',
      object: seg.id,
      kind: 'om.rehabilitation',
      time,
      body: {
        method: 'cipp',
        chainage: [0, seg.lengthM],
        linerThicknessMm: seg.dnMm >= 800 ? 12 : 9,
        designLifeYears: 50,
      },
      refs: assessment?.entry ? [{ entry: assessment.entry.id, rel: 'assessment' }] : [],
      attachments: [b.w.file(`${seg.alias}-cipp.pdf`, 'application/pdf', 'CIPP design and CCTV')],
    }),
  );
  attestLater(o, done, 'des-liu', 'DES', time + 2 * HOUR);
  attestLater(o, done, 'se-feng', 'SE', time + 2 * HOUR + MINUTE);
  attestLater(o, done, undefined, 'OPR', time + 3 * HOUR);
  archiveUpdate(o, seg.id, time + 45 * DAY, done, 'rehabilitation');
  return done;
}

function patrol(o: Ops, object: string, time: number, observations: CborMap[], attach = false): Later {
  const { b } = o;
  return plan(o, time, () =>
    b.w.write({
      by: opr(b, time),
      role: 'OPR',
      object,
      kind: 'om.patrol',
      time,
      body: { durationMin: b.rng.int(15, 60), observations },
      ...(attach ? { attachments: [b.w.file(`patrol-${time}.jpg`, 'image/jpeg', `patrol ${object}`)] } : {}),
    }),
  );
}

function incident(o: Ops, seg: SegmentPlan, time: number, body: CborMap, role: Role = 'OPR'): Later {
  const { b } = o;
  return plan(o, time, () =>
    b.w.write({
      by: role === 'QSA' ? b.cast.person('qsa-lin') : opr(b, time),
      role,
      object: seg.id,
      kind: 'om.incident',
      time,
      body: { occurredAt: time - 30 * MINUTE, lossesCny: 0, injuries: 0, fatalities: 0, ...body },
      attachments: [b.w.file(`incident-${time}.jpg`, 'image/jpeg', `incident ${seg.alias}`)],
    }),
  );
}

/** Routine life: patrols, cleaning of sewers every two years, five-yearly CCTV of sewers. */
function routine(
  o: Ops,
  seg: SegmentPlan,
  from: number,
  until: number,
  skipAssessment: (year: number) => boolean,
): void {
  const { b } = o;
  const every = YEAR / b.patrolsPerYear;
  for (let t = from + 30 * DAY; t < until; t += every) {
    const odd = seg.utility !== 'JS' && b.rng.chance(0.04);
    patrol(o, seg.id, t + b.rng.int(1, 7) * HOUR, [
      { code: odd ? b.rng.pick(['odour', 'blockage']) : 'normal' },
    ]);
  }
  if (seg.utility === 'JS') return;
  for (let y = 2; from + y * YEAR + 10 * DAY < until; y += 2) {
    const time = from + y * YEAR + 10 * DAY;
    const body = {
      method: 'jetting',
      chainage: [0, seg.lengthM],
      sedimentBeforeMm: b.rng.int(40, 120),
      sedimentAfterMm: b.rng.int(0, 10),
      volumeM3: b.rng.real(0.5, 3, 1),
    };
    plan(o, time, () =>
      b.w.write({ by: opr(b, time), role: 'OPR', object: seg.id, kind: 'om.cleaning', time, body }),
    );
  }
  for (let y = 5; from + y * YEAR + 40 * DAY < until; y += 5) {
    if (skipAssessment(y)) continue;
    const defects: Defect[] =
      y >= 10
        ? [{ code: 'CJ', grade: 1, distanceM: Math.round(seg.lengthM * 0.4), clock: '0504', lengthM: 3 }]
        : [];
    assess(o, seg, from + y * YEAR + 40 * DAY, defects, 'I');
  }
}

/** The clean project's notable events: a class III repair on segment 0, a class IV rehabilitation on segment 1. */
function regularEvents(o: Ops, seg: SegmentPlan, handover: number, end: number): (year: number) => boolean {
  const { b } = o;
  const at = (y: number) => handover + y * YEAR + 40 * DAY;
  if (seg.index === 0 && at(15) + 100 * DAY < end) {
    const found = assess(
      o,
      seg,
      at(15),
      [{ code: 'PL', grade: 3, distanceM: 18, clock: '1202', lengthM: 0.8 }],
      'III',
    );
    repair(o, seg, at(15) + 50 * DAY, 'point-liner', found, {
      changesPipe: false,
      emergency: false,
      chainage: [17, 19],
    });
    return (y) => y === 15;
  }
  if (seg.index === 1 && at(20) + 100 * DAY < end) {
    const late = b.plant.has('P-CLASS-IV');
    const blind = b.plant.has('P-REHAB');
    const defects = [
      { code: 'PL', grade: 4, distanceM: 21, clock: '1103', lengthM: 2.5 },
      { code: 'TL', grade: 3, distanceM: 27.5, clock: '0804', lengthM: 0 },
    ];
    const found = assess(o, seg, at(20), defects, 'IV', 'II', (e) => {
      if (late) expect(b, 'P-CLASS-IV', e, 'answered after 45 days');
    });
    const rehab = rehabilitate(o, seg, at(20) + (late ? 45 : 20) * DAY, blind ? undefined : found);
    if (blind)
      o.t.at(at(20) + 46 * DAY, () =>
        expect(b, 'P-REHAB', rehab.entry as SignedEntry, 'cites no assessment'),
      );
    return (y) => y === 20;
  }
  return () => false;
}

function census(o: Ops, when: number): void {
  const { b } = o;
  const renumber = (node: string) =>
    `${node.slice(0, 2)}${String(Number(node.slice(2)) + 500).padStart(6, '0')}`;
  const arc = () => b.cast.on('archive', 'ARC', when);
  for (const seg of b.segments) {
    const alias = segmentAlias(b.city, renumber(seg.upstream), renumber(seg.downstream));
    plan(o, when, () =>
      b.w.write({
        by: arc(),
        role: 'ARC',
        object: seg.id,
        kind: 'object.alias',
        time: when,
        body: { alias, scheme: 'census', validFrom: when },
      }),
    );
  }
  for (const mh of b.manholes) {
    const alias = `${b.city}-${renumber(mh.node)}`;
    plan(o, when + MINUTE, () =>
      b.w.write({
        by: arc(),
        role: 'ARC',
        object: mh.id,
        kind: 'object.alias',
        time: when + MINUTE,
        body: { alias, scheme: 'census', validFrom: when },
      }),
    );
  }
}

function manholeLife(o: Ops, handover: number, end: number): void {
  const { b } = o;
  const every = YEAR / Math.max(1, Math.floor(b.patrolsPerYear / 2));
  b.manholes.forEach((mh, i) => {
    for (let t = handover + 45 * DAY; t < end; t += every) {
      patrol(o, mh.id, t + b.rng.int(1, 7) * HOUR, [{ code: 'normal' }]);
    }
    if (i !== 0 || handover + 5 * YEAR + DAY > end) return;
    const found = handover + 5 * YEAR + 3 * HOUR;
    const slow = b.plant.has('P-COVERS');
    const missing = patrol(
      o,
      mh.id,
      found,
      [{ code: 'cover-missing', note: 'cover stolen overnight' }],
      true,
    );
    const secure = (action: string, after: number) =>
      plan(o, found + after, () =>
        b.w.write({
          by: opr(b, found),
          role: 'OPR',
          object: mh.id,
          kind: 'om.cover-secured',
          time: found + after,
          body: { action },
          refs: [{ entry: (missing.entry as SignedEntry).id, rel: 'patrol' }],
          attachments: [b.w.file(`${mh.node}-${action}.jpg`, 'image/jpeg', `${action} ${mh.node}`)],
        }),
      );
    secure('barrier', slow ? 3 * HOUR : 50 * MINUTE);
    secure('restored', 4 * HOUR);
    if (slow)
      o.t.at(found + 5 * HOUR, () =>
        expect(b, 'P-COVERS', missing.entry as SignedEntry, 'barrier after 3 h'),
      );
  });
}

function roadCollapse(o: Ops, seg: SegmentPlan, handover: number): (y: number) => boolean {
  const { b } = o;
  const at = (y: number) => handover + y * YEAR;
  assess(o, seg, at(3), [{ code: 'TJ', grade: 1, distanceM: 24, clock: '0408', lengthM: 0 }], 'I');
  assess(
    o,
    seg,
    at(6),
    [
      { code: 'TJ', grade: 2, distanceM: 24, clock: '0408', lengthM: 0 },
      { code: 'SL', grade: 2, distanceM: 24, clock: '0507', lengthM: 0 },
    ],
    'II',
  );
  patrol(
    o,
    seg.id,
    at(7.5),
    [{ code: 'settlement', distanceM: 24, note: 'road surface settled about 3 cm over the pipe' }],
    true,
  );
  patrol(
    o,
    seg.id,
    at(7.7),
    [{ code: 'settlement', distanceM: 24, note: 'settlement about 8 cm, cracks in the asphalt' }],
    true,
  );
  assess(
    o,
    seg,
    at(7.8),
    [
      { code: 'TJ', grade: 4, distanceM: 24, clock: '0408', lengthM: 0 },
      { code: 'SL', grade: 3, distanceM: 24, clock: '0507', lengthM: 0 },
      { code: 'PL', grade: 3, distanceM: 23.5, clock: '1101', lengthM: 1.5 },
    ],
    'IV',
    'II',
    (e) => expect(b, 'P-CLASS-IV', e, 'no response before the collapse'),
  );
  const collapse = incident(o, seg, at(7.8) + 40 * DAY, {
    type: 'collapse',
    chainage: [22, 27],
    location: 'carriageway over the sewer, 24 m from the upstream manhole',
    lossesCny: 860_000,
  });
  repair(o, seg, at(7.8) + 41 * DAY, 'excavation-repair', collapse, {
    changesPipe: true,
    emergency: true,
    chainage: [18, 30],
  });
  return (y) => y === 5;
}

function jointLeak(o: Ops, seg: SegmentPlan, handover: number): void {
  const time = handover + 3 * YEAR;
  const j07 = seg.records.get('joint:J07');
  const chainage = (j07?.entry.body as { chainage: [number, number] } | undefined)?.chainage ?? [42, 42];
  const leak = incident(o, seg, time, { type: 'leak', chainage, location: 'joint J07', lossesCny: 18_000 });
  repair(o, seg, time + 2 * DAY, 'joint-sealing', leak, { changesPipe: false, emergency: true, chainage });
}

function burst(o: Ops, seg: SegmentPlan, handover: number): void {
  const time = handover + 4 * YEAR;
  const hit = incident(o, seg, time, {
    type: 'burst',
    chainage: [30, 30],
    location: 'main burst under the footway',
    lossesCny: 240_000,
  });
  repair(o, seg, time + DAY, 'local-replacement', hit, {
    changesPipe: true,
    emergency: true,
    chainage: [27, 33],
  });
}

function materialSwapLife(o: Ops, seg: SegmentPlan, handover: number): (y: number) => boolean {
  const at = (y: number) => handover + y * YEAR;
  assess(o, seg, at(6), [{ code: 'BX', grade: 3, distanceM: 15, clock: '1101', lengthM: 6 }], 'III');
  const found = assess(
    o,
    seg,
    at(9),
    [{ code: 'BX', grade: 4, distanceM: 15, clock: '1101', lengthM: 9 }],
    'IV',
  );
  rehabilitate(o, seg, at(9) + 25 * DAY, found);
  return () => true;
}

function decommission(o: Ops, seg: SegmentPlan, time: number, strike: boolean, handover: number): void {
  const { b } = o;
  const done = plan(
    o,
    time,
    () =>
      b.w.write({
        by: opr(b, time),
        role: 'OPR',
        object: seg.id,
        kind: 'lifecycle.decommissioned',
        time,
        body: {
          method: strike ? 'plug' : 'grout',
          decommissionedAt: time,
          reason: 'replaced by a new DN400 main on the other side of the road',
        },
        attachments: [b.w.file(`${seg.alias}-decommission.pdf`, 'application/pdf', 'decommissioning record')],
      }),
    (e) => {
      if (!strike) return;
      expect(b, 'P-DEADLINES', e, 'the archive is never updated');
      // Read by a cleared inspector only: the accuracies are sealed in the survey.
      const survey = seg.records.get('as-built') as SignedEntry;
      expect(b, 'P-ASBUILT', survey, 'the as-built survey is too poor to locate the pipe');
    },
  );
  if (!strike) {
    archiveUpdate(o, seg.id, time + 30 * DAY, done, 'decommissioning');
    return;
  }
  const hitAt = handover + 20 * YEAR;
  const hit = incident(
    o,
    seg,
    hitAt,
    { type: 'strike', chainage: [20, 20], location: 'excavation for a telecom duct', lossesCny: 95_000 },
    'QSA',
  );
  repair(o, seg, hitAt + DAY, 'local-replacement', hit, {
    changesPipe: true,
    emergency: true,
    chainage: [18, 22],
  });
}

export function operate(b: Build): void {
  const o: Ops = { b, t: new Timeline() };
  const handover = (b.records.get('handover') as SignedEntry).entry.time;
  const end = b.asOf - DAY;
  if (handover + 10 * YEAR < end) census(o, handover + 10 * YEAR);
  manholeLife(o, handover, end);
  const mains = waterMains(b);
  for (const seg of b.segments) {
    let until = end;
    let skip: (y: number) => boolean;
    if (b.preset === 'road-collapse' && seg.index === 0) skip = roadCollapse(o, seg, handover);
    else if (b.preset === 'material-swap' && seg.index === 1) skip = materialSwapLife(o, seg, handover);
    else skip = regularEvents(o, seg, handover, end);
    if (b.preset === 'joint-leak' && seg === mains[0]) jointLeak(o, seg, handover);
    if (b.preset === 'falsified-pressure-test' && seg === mains[1]) burst(o, seg, handover);
    if (seg === mains.at(-1)) {
      const strike = b.preset === 'live-decommissioned-strike';
      const when = handover + (strike ? 15 : 22) * YEAR;
      if (when + 100 * DAY < end && (!strike || handover + 20 * YEAR + 2 * DAY < end)) {
        decommission(o, seg, when, strike, handover);
        until = when;
      }
    }
    routine(o, seg, handover, until, skip);
  }
  o.t.run();
}
