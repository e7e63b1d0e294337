/** Preparation, materials and start: registration to the start order. */
import { type CborMap, type SignedEntry, toHex } from '@liuhen/core';
import { RESPONSIBLE_PARTIES } from '../roles.ts';
import { at, type Build, expect, type SegmentPlan, who } from './plan.ts';

const LEADS = {
  owner: ['own-chen', 'OWN'],
  survey: ['sur-li', 'SUR'],
  design: ['des-wang', 'DES'],
  contractor: ['pm-zhang', 'PM'],
  supervision: ['cse-zheng', 'CSE'],
} as const;

/** Each utility's pipe as designed and delivered. */
export const PIPES = {
  WS: {
    material: 'hdpe',
    dnMm: 500,
    pipeClass: 'SN8',
    ring: 8,
    slope: 3,
    piece: 6,
    maker: '广东某塑料管业有限公司',
    sampling: true,
  },
  YS: {
    material: 'reinforced-concrete',
    dnMm: 800,
    pipeClass: 'II',
    ring: undefined,
    slope: 2,
    piece: 2.5,
    maker: '深圳某水泥制品有限公司',
    sampling: true,
  },
  JS: {
    material: 'ductile-iron',
    dnMm: 300,
    pipeClass: 'K9',
    ring: undefined,
    slope: 1.5,
    piece: 6,
    maker: '新兴某球墨铸铁管有限公司',
    sampling: false,
  },
} as const;

function pdf(b: Build, name: string, content: string) {
  return b.w.file(name, 'application/pdf', content);
}

export function designBody(seg: SegmentPlan, upstreamInvertM: number): CborMap {
  const pipe = PIPES[seg.utility as keyof typeof PIPES];
  const slope = pipe.slope;
  return {
    utility: seg.utility,
    flow: seg.flow,
    upstreamNode: seg.upstream,
    downstreamNode: seg.downstream,
    lengthM: seg.lengthM,
    dnMm: pipe.dnMm,
    material: pipe.material,
    pipeClass: pipe.pipeClass,
    ...(pipe.ring === undefined ? {} : { ringStiffnessKNPerM2: pipe.ring }),
    upstreamInvertM,
    downstreamInvertM: Math.round((upstreamInvertM - (slope / 1000) * seg.lengthM) * 1000) / 1000,
    slopePermille: slope,
    jointType: 'rubber-ring',
    pieceLengthM: seg.pieceLengthM,
    designPressureMPa: seg.flow === 'pressure' ? 0.4 : 0,
    designLifeYears: 50,
  };
}

function registration(b: Build): void {
  const { w, day0 } = b;
  const time = at(day0, 0, 9);
  b.records.set(
    'registered',
    w.write({
      by: who(b, 'owner', 'OWN', time),
      role: 'OWN',
      object: b.project,
      kind: 'project.registered',
      time,
      body: {
        name: '某区市政道路配套排水及给水管网工程',
        permitNo: b.permit,
        qsaRegistrationNo: `深建质监${b.permit.slice(6, 10)}-0173`,
        designLifeYears: 50,
        location: '深圳市某区某路（K0+000–K1+200）',
      },
      attachments: [pdf(b, 'permit.pdf', `construction permit ${b.permit}`)],
    }),
  );
}

function leads(b: Build, parties: readonly (keyof typeof LEADS)[], day: number): void {
  parties.forEach((party, i) => {
    const [handle, role] = LEADS[party];
    const person = b.cast.person(handle);
    const time = at(b.day0, day, 9, 30 * i);
    const org = b.cast.orgs.find((o) => o.id === person.org);
    b.records.set(
      `lead:${party}`,
      b.w.write({
        by: person,
        role,
        object: b.project,
        kind: 'party.lead-appointed',
        time,
        body: {
          party,
          name: person.name,
          creditCode: org?.creditCode ?? '',
          licence: person.licence,
          idHash: toHex(person.idHash),
        },
        attachments: [
          pdf(b, 'authorisation.pdf', `法定代表人授权书 ${party} ${person.name}`),
          pdf(b, 'commitment.pdf', `工程质量终身责任承诺书 ${person.name}`),
        ],
      }),
    );
  });
}

function designs(b: Build): void {
  const { w, day0, rng } = b;
  const issued: SignedEntry[] = [];
  for (const seg of b.segments) {
    const time = at(day0, 6, 10, seg.index % 50);
    const invert = Math.round((3.2 + rng.real(0, 1.2, 2)) * 100) / 100;
    const entry = w.write({
      by: b.cast.person('des-wang'),
      role: 'DES',
      object: seg.id,
      kind: 'design.issued',
      time,
      body: { ...designBody(seg, invert), issuedAt: time },
      refs: [{ object: b.project, rel: 'project' }],
      attachments: [pdf(b, `${seg.alias}-drawings.pdf`, `construction drawings ${seg.alias}`)],
      classification: 'restricted',
    });
    seg.records.set('design', entry);
    issued.push(entry);
    w.write({
      by: b.cast.person('des-wang'),
      role: 'DES',
      object: seg.id,
      kind: 'object.alias',
      time: time + 60_000,
      body: { alias: seg.alias, scheme: 'census', validFrom: time },
    });
  }
  // One certificate covers the drawings; a review cites at most 64 of them.
  for (let i = 0; i < issued.length; i += 64) {
    const time = at(day0, 14, 15, i / 64);
    const review = w.write({
      by: b.cast.person('rev-gao'),
      role: 'REV',
      object: b.project,
      kind: 'design.review-passed',
      time,
      body: {
        certificateNo: `深审(市政)${b.permit.slice(6, 10)}-${String(88 + i / 64)}`,
        scope: 'drainage and water supply construction drawings',
      },
      refs: issued.slice(i, i + 64).map((d) => ({ entry: d.id, rel: 'reviews' })),
      attachments: [pdf(b, 'review-certificate.pdf', 'drawing review certificate')],
    });
    if (i === 0) b.records.set('review', review);
  }
}

function disclosure(b: Build): void {
  const time = at(b.day0, 16, 9);
  const entry = b.w.write({
    by: b.cast.person('own-chen'),
    role: 'OWN',
    object: b.project,
    kind: 'design.disclosure',
    time,
    body: {
      items: [
        {
          issue: 'existing 10 kV cable crosses the YS line near K0+350',
          resolution: 'hand-dig trial pits; adjust invert if needed',
        },
        {
          issue: 'groundwater above pipe depth in the rainy season',
          resolution: 'well-point dewatering during excavation',
        },
      ],
    },
    attachments: [pdf(b, 'disclosure-minutes.pdf', 'design disclosure minutes')],
  });
  b.w.attest(entry, b.cast.person('des-wang'), 'DES', time + 30 * 60_000);
  b.w.attest(entry, b.cast.person('pm-zhang'), 'PM', time + 35 * 60_000);
  b.w.attest(entry, b.cast.person('se-feng'), 'SE', time + 40 * 60_000);
}

function geotech(b: Build): void {
  b.records.set(
    'geotech',
    b.w.write({
      by: b.cast.person('sur-li'),
      role: 'SUR',
      object: b.project,
      kind: 'survey.geotech-report',
      time: at(b.day0, 3, 10),
      body: {
        reportNo: `勘${b.permit.slice(6, 10)}-021`,
        boreholes: 14,
        groundwaterDepthM: 1.8,
        soilClass: 'silty-clay',
        bearingCapacityKPa: 140,
      },
      attachments: [pdf(b, 'geotech-report.pdf', 'geotechnical investigation report')],
    }),
  );
}

interface Batch {
  batchNo: string;
  maker: string;
  material: string;
  dnMm: number;
  pipeClass: string;
  pieces: number;
  lengthM: number;
  sampling: boolean;
}

/** Accepts a batch (SE, QI attests); `sampleBatch` re-tests it where sampling is required. */
export function acceptBatch(
  b: Build,
  key: string,
  time: number,
  batch: Batch,
  options: { withoutSe?: boolean } = {},
): SignedEntry {
  const { w } = b;
  const se = b.cast.person('se-feng');
  const qi = b.cast.person('qi-wu');
  const entry = w.write({
    by: options.withoutSe ? qi : se,
    role: options.withoutSe ? 'QI' : 'SE',
    object: b.project,
    kind: 'material.batch-accepted',
    time,
    body: {
      batchNo: batch.batchNo,
      maker: batch.maker,
      material: batch.material,
      dnMm: batch.dnMm,
      pipeClass: batch.pipeClass,
      quantityPieces: batch.pieces,
      totalLengthM: batch.lengthM,
      certificateNo: `QC-${batch.batchNo}`,
      samplingRequired: batch.sampling,
      conclusion: 'accepted',
    },
    attachments: [pdf(b, `${batch.batchNo}-certificate.pdf`, `certificate of conformity ${batch.batchNo}`)],
  });
  if (!options.withoutSe) w.attest(entry, qi, 'QI', time + 20 * 60_000);
  b.records.set(key, entry);
  return entry;
}

/** The lab re-test of a batch that requires sampling, witnessed by the supervision engineer. */
export function sampleBatch(b: Build, key: string, time: number): void {
  const batch = b.records.get(key) as SignedEntry;
  const body = batch.entry.body as { batchNo: string; material: string; samplingRequired: boolean };
  if (!body.samplingRequired) return;
  const property = body.material === 'reinforced-concrete' ? 'external-load' : 'ring-stiffness';
  const [value, requirement, unit] = property === 'ring-stiffness' ? [8.6, 8, 'kN/m2'] : [62, 54, 'kN/m'];
  const test = b.w.write({
    by: b.cast.person('lab-ma'),
    role: 'LAB',
    object: b.project,
    kind: 'material.sample-tested',
    time,
    body: {
      sampleId: `S-${body.batchNo}-1`,
      batchNo: body.batchNo,
      property,
      value,
      requirement,
      unit,
      pass: true,
    },
    refs: [{ entry: batch.id, rel: 'batch' }],
    attachments: [pdf(b, `${body.batchNo}-lab.pdf`, `lab report ${body.batchNo}`)],
  });
  b.w.attest(test, b.cast.person('se-feng'), 'SE', time + 15 * 60_000, 'witnessed');
  b.records.set(`${key}:sample`, test);
}

function materials(b: Build): void {
  const utilities = [...new Set(b.segments.map((s) => s.utility))];
  // All deliveries are accepted on one morning; the lab reports come the next day.
  utilities.forEach((u, i) => {
    const pipe = PIPES[u as keyof typeof PIPES];
    const segs = b.segments.filter((s) => s.utility === u);
    const length = segs.reduce((sum, s) => sum + s.lengthM, 0);
    acceptBatch(b, `batch:${u}`, at(b.day0, 18, 9, 40 * i), {
      batchNo: `${u}-${b.permit.slice(6, 10)}-${String(i + 1).padStart(3, '0')}`,
      maker: pipe.maker,
      material: pipe.material,
      dnMm: pipe.dnMm,
      pipeClass: pipe.pipeClass,
      pieces: Math.ceil(length / pipe.piece) + 2,
      lengthM: Math.ceil(length / pipe.piece + 2) * pipe.piece,
      sampling: pipe.sampling,
    });
  });
  utilities.forEach((u, i) => {
    sampleBatch(b, `batch:${u}`, at(b.day0, 19, 14, 30 * i));
  });
}

function start(b: Build): void {
  const time = at(b.day0, 20, 9);
  const started = b.w.write({
    by: b.cast.person('cse-zheng'),
    role: 'CSE',
    object: b.project,
    kind: 'construction.started',
    time,
    body: {
      startOrderNo: `开工令${b.permit.slice(6, 10)}-01`,
      startAt: time,
      plannedCompletionAt: time + 120 * 86_400_000,
    },
    attachments: [pdf(b, 'start-order.pdf', 'start order')],
  });
  b.w.attest(started, b.cast.person('own-chen'), 'OWN', time + 60 * 60_000);
  b.records.set('started', started);
}

export function prepare(b: Build): void {
  registration(b);
  const late = b.plant.has('P-LEADS');
  leads(b, late ? RESPONSIBLE_PARTIES.filter((p) => p !== 'supervision') : RESPONSIBLE_PARTIES, 1);
  geotech(b);
  designs(b);
  disclosure(b);
  materials(b);
  start(b);
  if (late) {
    leads(b, ['supervision'], 21);
    expect(
      b,
      'P-LEADS',
      b.records.get('started') as SignedEntry,
      'the start order precedes the supervision lead',
    );
  }
}
