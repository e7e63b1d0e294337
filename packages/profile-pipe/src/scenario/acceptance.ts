/**
 * Manholes, inspection lots and the acceptance hierarchy (GB 50300: lot → subitem → subdivision),
 * then completion, filing, archive transfer and handover. Each level cites the level below, so
 * the completion's ancestry reaches every lot and, through the lots, every segment's tests.
 */
import type { SignedEntry } from '@liuhen/core';
import { objectId } from '../ids.ts';
import {
  at,
  type Build,
  DAY,
  expect,
  HOUR,
  type ManholePlan,
  MINUTE,
  type SegmentPlan,
  Timeline,
} from './plan.ts';

export function buildManhole(b: Build, mh: ManholePlan): void {
  const first = mh.segments[0] as SegmentPlan;
  const time = at(first.start, 6, 11);
  const started = b.records.get('started') as SignedEntry;
  mh.records.set(
    'built',
    b.w.write({
      by: b.cast.person('qi-wu'),
      role: 'QI',
      object: mh.id,
      kind: 'construction.manhole-built',
      time,
      body: {
        node: mh.node,
        depthM: b.rng.real(2.4, 4.2, 2),
        material: first.utility === 'JS' ? 'precast-concrete' : 'brick',
        coverLoadClass: 'D400',
        inverts: mh.segments.map((s) => ({ segment: s.alias, elevationM: b.rng.real(2.6, 3.9, 3) })),
      },
      refs: [{ entry: started.id, rel: 'start-order' }],
      attachments: [b.w.file(`${mh.node}.jpg`, 'image/jpeg', `manhole ${mh.node}`)],
      classification: 'restricted',
    }),
  );
  b.w.write({
    by: b.cast.person('geo-zhao'),
    role: 'GEO',
    object: mh.id,
    kind: 'object.alias',
    time: time + HOUR,
    body: { alias: mh.id.slice(3), scheme: 'census', validFrom: time },
  });
}

function lot(
  b: Build,
  unit: string,
  path: string,
  n: number,
  time: number,
  evidence: readonly (SignedEntry | undefined)[],
): SignedEntry {
  const code = `${unit}/${path}/L${String(n).padStart(3, '0')}`;
  const id = objectId('lot', `${b.permit}/${code}`);
  b.lots.push(id);
  return b.w.write({
    by: b.cast.person('se-feng'),
    role: 'SE',
    object: id,
    kind: 'acceptance.lot',
    time,
    body: { code, result: 'pass', mainItemsPass: true, generalPassRatePct: b.rng.int(88, 100) },
    refs: evidence.flatMap((e) => (e === undefined ? [] : [{ entry: e.id, rel: 'evidence' }])),
    attachments: [b.w.file(`${code.replaceAll('/', '-')}.pdf`, 'application/pdf', `lot form ${code}`)],
  });
}

/** Lots per unit and subitem, accepted once the segment or manhole is finished. */
function lots(b: Build): Map<string, SignedEntry[]> {
  const bySubitem = new Map<string, SignedEntry[]>();
  const add = (unit: string, path: string, entry: SignedEntry) => {
    const key = `${unit}/${path}`;
    bySubitem.set(key, [...(bySubitem.get(key) ?? []), entry]);
  };
  const counters = new Map<string, number>();
  const next = (key: string) => {
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return n;
  };
  for (const seg of b.segments) {
    const r = (k: string) => seg.records.get(k);
    const time = at(seg.start, 9, 10);
    for (const [path, evidence] of [
      ['earthworks/trench', [r('trench-bottom'), r('layer:5')]],
      ['pipeline/laying', [r('hidden-works'), r('pipe-laid')]],
      ['pipeline/function-test', [r('test'), r('flush')]],
    ] as const) {
      add(
        seg.unit,
        path,
        lot(b, seg.unit, path, next(`${seg.unit}/${path}`), time + bySubitem.size * MINUTE, evidence),
      );
    }
  }
  for (const mh of b.manholes) {
    const time = at((mh.segments[0] as SegmentPlan).start, 9, 11);
    add(
      mh.unit,
      'structures/manholes',
      lot(b, mh.unit, 'structures/manholes', next(`${mh.unit}/manholes`), time, [mh.records.get('built')]),
    );
  }
  return bySubitem;
}

function hierarchy(b: Build, bySubitem: Map<string, SignedEntry[]>, day: number): SignedEntry[] {
  const bySubdivision = new Map<string, SignedEntry[]>();
  let i = 0;
  for (const [code, lotEntries] of bySubitem) {
    const subitem = b.w.write({
      by: b.cast.person('se-feng'),
      role: 'SE',
      object: b.project,
      kind: 'acceptance.subitem',
      time: at(b.day0, day, 9, i++ * 5),
      body: { code, result: 'pass' },
      refs: lotEntries.map((l) => ({ entry: l.id, rel: 'includes' })),
    });
    const subdivision = code.split('/').slice(0, 2).join('/');
    bySubdivision.set(subdivision, [...(bySubdivision.get(subdivision) ?? []), subitem]);
  }
  return [...bySubdivision].map(([code, subitems], j) =>
    b.w.write({
      by: b.cast.person('cse-zheng'),
      role: 'CSE',
      object: b.project,
      kind: 'acceptance.subdivision',
      time: at(b.day0, day, 15, j * 5),
      body: { code, result: 'pass' },
      refs: subitems.map((s) => ({ entry: s.id, rel: 'includes' })),
    }),
  );
}

export function accept(b: Build): void {
  const { w } = b;
  const finished = Math.max(...b.segments.map((s) => s.start)) + 10 * DAY;
  const day = Math.round((finished - b.day0) / DAY) + 1;
  const subdivisions = hierarchy(b, lots(b), day);
  const person = (h: string) => b.cast.person(h);
  const pdf = (name: string) => w.file(name, 'application/pdf', name);
  const pre = w.write({
    by: person('cse-zheng'),
    role: 'CSE',
    object: b.project,
    kind: 'acceptance.pre-acceptance',
    time: at(b.day0, day + 2, 9),
    body: {
      result: 'pass',
      findings: ['minor mortar defects at two manhole benches, rectified'],
      reportNo: `质评${b.permit.slice(6, 10)}-01`,
    },
    attachments: [pdf('quality-assessment.pdf')],
  });
  const reports = (
    [
      ['sur-li', 'SUR', 'survey'],
      ['des-wang', 'DES', 'design'],
      ['pm-zhang', 'PM', 'contractor'],
    ] as const
  ).map(([h, role, party], i) =>
    w.write({
      by: person(h),
      role,
      object: b.project,
      kind: 'acceptance.party-report',
      time: at(b.day0, day + 3, 9, 30 * i),
      body: { party, conclusion: 'qualified', reportNo: `${party}-${b.permit.slice(6, 10)}` },
      attachments: [pdf(`${party}-report.pdf`)],
    }),
  );
  const archiveFirst = !b.plant.has('P-COMPLETION');
  const preArchive = () =>
    w.write({
      by: person('arc-luo'),
      role: 'ARC',
      object: b.project,
      kind: 'archive.pre-accepted',
      time: at(b.day0, day + (archiveFirst ? 4 : 7), 10),
      body: { opinion: 'accepted', approvalNo: `预验${b.permit.slice(6, 10)}-12` },
      attachments: [pdf('archive-approval.pdf')],
    });
  const archived = archiveFirst ? preArchive() : undefined;
  const time = at(b.day0, day + 6, 9);
  const completion = w.write({
    by: person('own-chen'),
    role: 'OWN',
    object: b.project,
    kind: 'acceptance.completion',
    time,
    body: { conclusion: 'qualified', reportNo: `竣验${b.permit.slice(6, 10)}-01` },
    refs: [...subdivisions, pre, ...reports, ...(archived ? [archived] : [])].map((e) => ({
      entry: e.id,
      rel: 'basis',
    })),
    attachments: [pdf('completion-report.pdf')],
  });
  b.records.set('completion', completion);
  for (const [h, role] of [
    ['sur-li', 'SUR'],
    ['des-wang', 'DES'],
    ['pm-zhang', 'PM'],
    ['cse-zheng', 'CSE'],
  ] as const) {
    w.attest(completion, person(h), role, time + 30 * MINUTE);
  }
  if (!archiveFirst) {
    preArchive();
    expect(b, 'P-COMPLETION', completion, 'accepted before the archive pre-acceptance');
  }
  // The rest follows in claimed-time order, whichever comes first.
  const t = new Timeline();
  const lateFiling = b.plant.has('P-DEADLINES');
  t.at(time + (lateFiling ? 20 : 10) * DAY, () => {
    w.write({
      by: person('own-chen'),
      role: 'OWN',
      object: b.project,
      kind: 'acceptance.filed',
      time: time + (lateFiling ? 20 : 10) * DAY,
      body: { filingNo: `备${b.permit.slice(6, 10)}-0456` },
      refs: [{ entry: completion.id, rel: 'completion' }],
      attachments: [pdf('filing-form.pdf')],
    });
    if (lateFiling) expect(b, 'P-DEADLINES', completion, 'filed 20 days after completion');
  });
  t.at(time + 12 * DAY, () =>
    w.write({
      by: person('own-chen'),
      role: 'OWN',
      object: b.project,
      kind: 'acceptance.sign-installed',
      time: time + 12 * DAY,
      body: {
        names: { owner: '陈国强', survey: '李明', design: '王芳', contractor: '张伟', supervision: '郑建华' },
        location: 'K0+000 road verge',
      },
      refs: [{ entry: completion.id, rel: 'completion' }],
      attachments: [w.file('sign.jpg', 'image/jpeg', 'permanent sign')],
    }),
  );
  t.at(time + 14 * DAY, () => {
    const handover = w.write({
      by: person('own-chen'),
      role: 'OWN',
      object: b.project,
      kind: 'handover.to-operator',
      time: time + 14 * DAY,
      body: { warrantyEndsAt: time + 14 * DAY + 2 * 365 * DAY, defects: [] },
      refs: [{ entry: completion.id, rel: 'completion' }],
      attachments: [pdf('handover-list.pdf')],
    });
    w.attest(handover, person('opr-xie'), 'OPR', time + 14 * DAY + HOUR);
    b.records.set('handover', handover);
    if (b.plant.has('P-SERVICE'))
      expect(b, 'P-SERVICE', handover, 'the first water main failed its flushing');
  });
  t.at(time + 60 * DAY, () => {
    const transfer = w.write({
      by: person('own-chen'),
      role: 'OWN',
      object: b.project,
      kind: 'archive.transferred',
      time: time + 60 * DAY,
      body: {
        archiveNo: `城档${b.permit.slice(6, 10)}-0789`,
        items: [
          'completion drawings',
          'acceptance records',
          'as-built survey',
          'lifetime-responsibility file',
        ],
        includesLifetimeResponsibilityFile: true,
      },
      refs: [{ entry: completion.id, rel: 'completion' }],
      attachments: [pdf('transfer-letter.pdf')],
    });
    w.attest(transfer, person('arc-luo'), 'ARC', time + 60 * DAY + 2 * HOUR);
  });
  t.run();
}
