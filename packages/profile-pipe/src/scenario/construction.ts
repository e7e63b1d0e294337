/**
 * One segment from setting-out to the handover CCTV, in the order GB 50268 prescribes; plants
 * and presets change the order or the values at the points where real projects go wrong.
 */
import { type Attachment, type CborMap, type SignedEntry, toHex } from '@liuhen/core';
import { at, type Build, DAY, expect, HOUR, MINUTE, type SegmentPlan, waterMains } from './plan.ts';
import { acceptBatch, designBody, PIPES, sampleBatch } from './preparation.ts';

const photo = (b: Build, seg: SegmentPlan, what: string, time: number) =>
  b.w.file(
    `${seg.alias}-${what}.jpg`,
    'image/jpeg',
    `JPEG ${seg.alias} ${what} ${new Date(time).toISOString()} 22.54N 114.05E`,
  );

function chainage(seg: SegmentPlan): [number, number] {
  return [0, seg.lengthM];
}

export function jointChainages(seg: SegmentPlan): number[] {
  return Array.from({ length: seg.pieces - 1 }, (_, k) => Math.round((k + 1) * seg.pieceLengthM * 100) / 100);
}

interface Ctx {
  readonly b: Build;
  readonly seg: SegmentPlan;
  readonly day: (d: number, h: number, m?: number) => number;
  readonly target: boolean;
}

function person(ctx: Ctx, handle: string) {
  return ctx.b.cast.person(handle);
}

function settingOut(ctx: Ctx): void {
  const { b, seg, day } = ctx;
  const entry = b.w.write({
    by: person(ctx, 'pm-zhang'),
    role: 'PM',
    object: seg.id,
    kind: 'construction.setting-out',
    time: day(0, 8, 30),
    body: {
      chainage: chainage(seg),
      controlPoints: [
        { name: `${seg.upstream}`, xM: 2_493_100 + seg.index * 60, yM: 497_200 + seg.index * 3, zM: 6.8 },
        {
          name: `${seg.downstream}`,
          xM: 2_493_100 + seg.index * 60 + seg.lengthM,
          yM: 497_203 + seg.index * 3,
          zM: 6.7,
        },
      ],
      closureErrorMm: b.rng.int(3, 12),
    },
    classification: 'restricted',
  });
  b.w.attest(entry, person(ctx, 'se-feng'), 'SE', day(0, 9));
}

function excavate(ctx: Ctx): void {
  const { b, seg, day } = ctx;
  seg.records.set(
    'trench',
    b.w.write({
      by: person(ctx, 'qi-wu'),
      role: 'QI',
      object: seg.id,
      kind: 'construction.trench-excavated',
      time: day(0, 10),
      body: {
        chainage: chainage(seg),
        depthM: b.rng.real(2.2, 3.6, 2),
        widthM: Math.round((seg.dnMm / 1000 + 0.9) * 10) / 10,
        bottomDeviationMm: b.rng.int(-20, 15),
      },
      refs: [{ entry: (b.records.get('started') as SignedEntry).id, rel: 'start-order' }],
      attachments: [photo(b, seg, 'trench', day(0, 10))],
    }),
  );
}

/** Segment 1's invert is lowered to clear a cable found while digging: a minor revision. */
function revise(ctx: Ctx): void {
  const { b, seg, day } = ctx;
  const design = seg.records.get('design') as SignedEntry;
  const issued = b.w.bodyOf(design) as { upstreamInvertM: number };
  const revision = b.w.write({
    by: person(ctx, 'des-wang'),
    role: 'DES',
    object: seg.id,
    kind: 'design.revised',
    time: day(0, 16),
    body: {
      ...designBody(seg, Math.round((issued.upstreamInvertM - 0.3) * 100) / 100),
      revisionNo: 1,
      reason: 'lower the invert 0.30 m to pass under an existing 10 kV cable',
      major: false,
    },
    refs: [{ entry: design.id, rel: 'supersedes' }],
    attachments: [b.w.file(`${seg.alias}-change-notice.pdf`, 'application/pdf', 'design change notice')],
    classification: 'restricted',
  });
  seg.records.set('revision', revision);
  if (ctx.b.plant.has('P-DESIGN-CHANGE')) {
    expect(b, 'P-DESIGN-CHANGE', revision, 'the owner never approves the revision');
  } else {
    b.w.attest(revision, person(ctx, 'own-chen'), 'OWN', day(0, 17), 'approved');
  }
}

function trenchBottom(ctx: Ctx): SignedEntry {
  const { b, seg, day } = ctx;
  const entry = b.w.write({
    by: person(ctx, 'se-feng'),
    role: 'SE',
    object: seg.id,
    kind: 'inspection.trench-bottom',
    time: day(1, 9),
    body: {
      chainage: chainage(seg),
      soilClass: 'silty-clay',
      matchesReport: true,
      bearingCapacityKPa: b.rng.int(135, 160),
      treatment: 'none',
      conclusion: 'accepted',
    },
    refs: [{ entry: (b.records.get('geotech') as SignedEntry).id, rel: 'geotech' }],
    attachments: [photo(b, seg, 'trench-bottom', day(1, 9))],
  });
  seg.records.set('trench-bottom', entry);
  b.w.attest(entry, person(ctx, 'own-chen'), 'OWN', day(1, 9, 20));
  b.w.attest(entry, person(ctx, 'sur-li'), 'SUR', day(1, 9, 25));
  b.w.attest(entry, person(ctx, 'pm-zhang'), 'PM', day(1, 9, 35));
  return entry;
}

function bed(ctx: Ctx, trenchBottomEntry: SignedEntry): void {
  const { b, seg, day } = ctx;
  const lateDesigner = ctx.target && b.plant.has('P-TRENCH');
  if (!lateDesigner) b.w.attest(trenchBottomEntry, person(ctx, 'des-wang'), 'DES', day(1, 9, 30));
  const bedding = b.w.write({
    by: person(ctx, 'qi-wu'),
    role: 'QI',
    object: seg.id,
    kind: 'construction.bedding',
    time: day(1, 15),
    body: {
      chainage: chainage(seg),
      type: seg.utility === 'YS' ? 'graded-gravel' : 'sand',
      zone: 'base',
      thicknessMm: seg.utility === 'YS' ? 200 : 150,
      compactionPct: b.rng.int(90, 95),
    },
  });
  if (lateDesigner) {
    b.w.attest(trenchBottomEntry, person(ctx, 'des-wang'), 'DES', day(1, 17));
    expect(b, 'P-TRENCH', bedding, 'the designer attests the trench bottom after the bedding');
  }
}

function lay(ctx: Ctx): void {
  const { b, seg, day } = ctx;
  let key = `batch:${seg.utility}`;
  const swap = b.preset === 'material-swap' && seg.index === 1;
  if (swap) {
    key = 'batch:swap';
    acceptBatch(b, key, day(-2, 12), {
      batchNo: `HDPE800-${b.permit.slice(6, 10)}-07`,
      maker: '广东某塑料管业有限公司',
      material: 'hdpe',
      dnMm: 800,
      pipeClass: 'SN8',
      pieces: seg.pieces + 1,
      lengthM: (seg.pieces + 1) * seg.pieceLengthM,
      sampling: true,
    });
    sampleBatch(b, key, day(-1, 14));
  } else if (ctx.target && b.plant.has('P-MATERIAL')) {
    const pipe = PIPES[seg.utility as keyof typeof PIPES];
    key = 'batch:unsupervised';
    acceptBatch(
      b,
      key,
      day(-1, 12),
      {
        batchNo: `${seg.utility}-${b.permit.slice(6, 10)}-B2`,
        maker: pipe.maker,
        material: pipe.material,
        dnMm: pipe.dnMm,
        pipeClass: pipe.pipeClass,
        pieces: seg.pieces,
        lengthM: seg.lengthM,
        sampling: false,
      },
      { withoutSe: true },
    );
  }
  const batch = b.records.get(key) as SignedEntry;
  const sample = b.records.get(`${key}:sample`);
  const body = batch.entry.body as { batchNo: string; dnMm: number };
  const laid = b.w.write({
    by: person(ctx, 'qi-wu'),
    role: 'QI',
    object: seg.id,
    kind: 'construction.pipe-laid',
    time: day(2, 8, 30),
    body: {
      chainage: chainage(seg),
      batch: body.batchNo,
      dnMm: body.dnMm,
      axisOffsetMm: b.rng.int(-12, 12),
      invertDeviationMm: b.rng.int(-8, 8),
      stepMm: b.rng.int(0, 3),
    },
    refs: [{ entry: batch.id, rel: 'batch' }, ...(sample ? [{ entry: sample.id, rel: 'sample' }] : [])],
    attachments: [photo(b, seg, 'laying', day(2, 8, 30))],
  });
  seg.records.set('pipe-laid', laid);
  if (swap) expect(b, 'P-MATERIAL', laid, 'HDPE laid where reinforced concrete is designed');
  else if (ctx.target && b.plant.has('P-MATERIAL'))
    expect(b, 'P-MATERIAL', laid, 'the batch has no SE acceptance');
}

function joints(ctx: Ctx): string[] {
  const { b, seg, day } = ctx;
  const labels: string[] = [];
  jointChainages(seg).forEach((x, k) => {
    const joint = `J${String(k + 1).padStart(2, '0')}`;
    labels.push(joint);
    const time = day(2, 9, 0) + k * 20 * MINUTE;
    const late = ctx.target && joint === 'J03' && b.plant.has('P-CONTEMPORANEOUS');
    const entry = b.w.write({
      by: person(ctx, 'qi-wu'),
      role: 'QI',
      object: seg.id,
      kind: 'construction.joint-made',
      time,
      body: { joint, chainage: [x, x], type: 'rubber-ring', gasketChecked: true },
      attachments: [photo(b, seg, joint, time)],
      ...(late ? { witnessDelay: 3 * DAY } : {}),
    });
    seg.records.set(`joint:${joint}`, entry);
    if (late) expect(b, 'P-CONTEMPORANEOUS', entry, 'J03 is witnessed three days late');
  });
  return labels;
}

function selfCheck(ctx: Ctx, labels: string[]): void {
  const { b, seg, day } = ctx;
  const sameHands = ctx.target && b.plant.has('P-SEPARATION');
  const entry = b.w.write({
    by: person(ctx, sameHands ? 'qi-sun' : 'qi-wu'),
    role: 'QI',
    object: seg.id,
    kind: 'inspection.hidden-works-selfcheck',
    time: day(3, 9),
    body: {
      scope: 'bedding, pipe laying and joints',
      chainage: chainage(seg),
      joints: labels,
      items: 6 + labels.length,
      passed: 6 + labels.length,
    },
  });
  b.w.attest(entry, person(ctx, 'tl-zhou'), 'TL', day(3, 9, 20));
}

function accept(ctx: Ctx, labels: string[], time: number): SignedEntry {
  const { b, seg } = ctx;
  const noPhoto = b.preset === 'joint-leak' && seg === waterMains(b)[0];
  const photos = noPhoto
    ? []
    : [
        photo(b, seg, 'hidden-works-1', time - 40 * MINUTE),
        photo(b, seg, 'hidden-works-2', time - 25 * MINUTE),
      ];
  const staged = ctx.target && b.plant.has('P-EVIDENCE-TIME');
  const evidence = photos.map((p: Attachment, i) => ({
    attachment: toHex(p.sha256),
    capturedAt: staged && i === 1 ? time + 2 * HOUR : time - (40 - 15 * i) * MINUTE,
    latDeg: 22.5431,
    lonDeg: 114.0579,
  }));
  const sameHands = ctx.target && b.plant.has('P-SEPARATION');
  const design = seg.records.get('revision') ?? (seg.records.get('design') as SignedEntry);
  const invert = (b.w.bodyOf(design) as { upstreamInvertM: number }).upstreamInvertM;
  const measured = Math.round((invert + b.rng.int(-8, 8) / 1000) * 1000) / 1000;
  const entry = b.w.write({
    by: person(ctx, sameHands ? 'se-sun' : 'se-feng'),
    role: 'SE',
    object: seg.id,
    kind: 'inspection.hidden-works-accepted',
    time,
    body: {
      scope: 'bedding, pipe laying and joints before backfill',
      chainage: chainage(seg),
      joints: labels,
      items: [
        {
          item: 'upstream invert elevation',
          designValue: invert,
          measuredValue: measured,
          deviation: Math.round((measured - invert) * 1e6) / 1e6,
          unit: 'm',
          pass: true,
        },
        {
          item: 'bedding thickness',
          designValue: 150,
          measuredValue: 155,
          deviation: 5,
          unit: 'mm',
          pass: true,
        },
      ],
      passRatePct: 100,
      conclusion: 'accepted',
      evidence,
    },
    attachments: photos,
  });
  seg.records.set('hidden-works', entry);
  b.w.attest(entry, person(ctx, 'qi-wu'), 'QI', time + 10 * MINUTE, 'attended');
  if (staged) expect(b, 'P-EVIDENCE-TIME', entry, 'a photo is dated after the acceptance');
  if (sameHands) expect(b, 'P-SEPARATION', entry, 'the self-checker accepts her own works');
  return entry;
}

function layer(ctx: Ctx, n: number, zone: string, time: number, extra: CborMap = {}): SignedEntry {
  const { b, seg } = ctx;
  const collapse = b.preset === 'road-collapse' && seg.index === 0 && zone === 'crown';
  const swap = b.preset === 'material-swap' && seg.index === 1;
  const flexible = seg.material === 'hdpe' || swap;
  const entry = b.w.write({
    by: person(ctx, 'qi-wu'),
    role: 'QI',
    object: seg.id,
    kind: 'construction.backfill-layer',
    time,
    body: {
      chainage: chainage(seg),
      layer: n,
      zone,
      liftMm: zone === 'upper' ? 300 : 200,
      compactionPct: collapse ? 87 : zone === 'upper' ? b.rng.int(90, 93) : b.rng.int(93, 96),
      material: zone === 'upper' ? 'soil' : 'sand',
      // Pressure pipes keep their joints visible until the pressure test.
      ...(seg.flow === 'pressure' && zone !== 'upper' ? { jointsExposed: true } : {}),
      ...(flexible && n >= 3
        ? { deflectionPct: swap ? b.rng.real(4.8, 5.6, 1) : b.rng.real(1.2, 2.5, 1) }
        : {}),
      ...extra,
    },
  });
  seg.records.set(`layer:${n}`, entry);
  return entry;
}

function pressureTest(ctx: Ctx, time: number): void {
  const { b, seg } = ctx;
  const mains = waterMains(b);
  const copied = b.preset === 'falsified-pressure-test' && seg === mains[1];
  const staleGauge = copied || (b.plant.has('P-TEST-CONDITIONS') && seg === mains[0]);
  const original = copied ? (mains[0]?.records.get('test') as SignedEntry | undefined) : undefined;
  const readings = original
    ? (original.entry.body as { readings: CborMap[] }).readings
    : (() => {
        // Four readings that drift down by 1–6 kPa a step: distinct for every real test.
        let p = 0.8;
        return [0, 5, 10, 15].map((atMin, i) => {
          if (i > 0) p -= b.rng.int(10, 60) / 10_000;
          return { atMin, pressureMPa: Math.round(p * 10_000) / 10_000 };
        });
      })();
  const drop =
    Math.round(
      ((readings[0] as { pressureMPa: number }).pressureMPa -
        (readings[3] as { pressureMPa: number }).pressureMPa) *
        1000,
    ) / 1000;
  const calibrated = staleGauge ? time - 420 * DAY : time - 60 * DAY;
  const entry = b.w.write({
    by: person(ctx, 'pm-zhang'),
    role: 'PM',
    object: seg.id,
    kind: 'test.pressure',
    time,
    body: {
      chainage: chainage(seg),
      joints: jointChainages(seg).map((_, k) => `J${String(k + 1).padStart(2, '0')}`),
      lengthM: seg.lengthM,
      workingPressureMPa: 0.4,
      testPressureMPa: 0.8,
      holdMin: 15,
      pressureDropMPa: drop,
      gaugeId: copied ? 'YB-150-0231' : `YB-150-${String(200 + seg.index).padStart(4, '0')}`,
      gaugeAccuracyClass: 1.0,
      gaugeCalibratedAt: calibrated,
      gaugeCalibrationExpiresAt: calibrated + 365 * DAY,
      readings,
      pass: true,
    },
    attachments: [b.w.file(`${seg.alias}-pressure-test.pdf`, 'application/pdf', 'pressure test record')],
  });
  seg.records.set('test', entry);
  if (copied) expect(b, 'P-TEST-CONDITIONS', entry, 'copied readings, stale gauge, no witness');
  else if (staleGauge) expect(b, 'P-TEST-CONDITIONS', entry, 'the gauge calibration expired');
  if (!copied) b.w.attest(entry, person(ctx, 'se-feng'), 'SE', time + 20 * MINUTE, 'witnessed');
}

function closedWaterTest(ctx: Ctx, time: number): void {
  const { b, seg } = ctx;
  const allowable = seg.material === 'hdpe' ? 1.6 : Math.round(1.25 * Math.sqrt(seg.dnMm) * 694) / 1000;
  const entry = b.w.write({
    by: person(ctx, 'pm-zhang'),
    role: 'PM',
    object: seg.id,
    kind: 'test.closed-water',
    time,
    body: {
      chainage: chainage(seg),
      lengthM: seg.lengthM,
      headM: 2,
      holdMin: 30,
      leakageLPerMinKm: Math.round(allowable * b.rng.real(0.3, 0.6, 2) * 100) / 100,
      allowableLeakageLPerMinKm: allowable,
      pass: true,
    },
    attachments: [b.w.file(`${seg.alias}-closed-water.pdf`, 'application/pdf', 'closed-water test record')],
  });
  seg.records.set('test', entry);
  b.w.attest(entry, person(ctx, 'se-feng'), 'SE', time + 15 * MINUTE, 'witnessed');
}

function asBuilt(ctx: Ctx, time: number): void {
  const { b, seg } = ctx;
  const poor = b.preset === 'live-decommissioned-strike' && seg === waterMains(b).at(-1);
  seg.records.set(
    'as-built',
    b.w.write({
      by: person(ctx, 'geo-zhao'),
      role: 'GEO',
      object: seg.id,
      kind: 'survey.as-built',
      time,
      body: {
        chainage: chainage(seg),
        points: [
          { name: seg.upstream, xM: 2_493_100 + seg.index * 60, yM: 497_200 + seg.index * 3, zM: 3.21 },
          {
            name: seg.downstream,
            xM: 2_493_100 + seg.index * 60 + seg.lengthM,
            yM: 497_203 + seg.index * 3,
            zM: 3.07,
          },
        ],
        planAccuracyMm: poor ? 300 : b.rng.int(20, 50),
        heightAccuracyMm: poor ? 150 : b.rng.int(10, 30),
      },
      classification: 'restricted',
    }),
  );
}

function backfillAndTest(ctx: Ctx, labels: string[]): void {
  const { b, seg, day } = ctx;
  const coverFirst = ctx.target && b.plant.has('P-COVER');
  const first = coverFirst ? layer(ctx, 1, 'haunch', day(3, 16)) : undefined;
  accept(ctx, labels, coverFirst ? day(3, 17) : day(3, 14));
  if (first !== undefined)
    expect(b, 'P-COVER', first, 'the first layer precedes the hidden-works acceptance');
  const firstLayer = first ?? layer(ctx, 1, 'haunch', day(3, 16));
  if (b.preset === 'joint-leak' && seg === waterMains(b)[0]) {
    expect(b, 'P-COVER', firstLayer, 'the acceptance it rests on has no photo');
  }
  layer(ctx, 2, 'side', day(4, 9));
  if (seg.flow === 'gravity') {
    const early = ctx.target && b.plant.has('P-TEST-BEFORE-BACKFILL');
    if (early)
      expect(
        b,
        'P-TEST-BEFORE-BACKFILL',
        layer(ctx, 3, 'crown', day(4, 15)),
        'crown backfill before the test',
      );
    closedWaterTest(ctx, day(5, 9));
    if (!early) layer(ctx, 3, 'crown', day(5, 15));
  } else {
    layer(ctx, 3, 'crown', day(4, 14));
    pressureTest(ctx, day(5, 9));
  }
  const surveyLate = ctx.target && b.plant.has('P-ASBUILT');
  if (!surveyLate) asBuilt(ctx, day(6, 9));
  layer(ctx, 4, 'upper', day(7, 9));
  const final = layer(ctx, 5, 'upper', day(7, 15), { final: true });
  if (surveyLate) {
    asBuilt(ctx, day(7, 17));
    expect(b, 'P-ASBUILT', final, 'final layer before the as-built survey');
  }
}

function commission(ctx: Ctx): void {
  const { b, seg, day } = ctx;
  if (seg.utility === 'JS') {
    const failed = b.plant.has('P-SERVICE') && seg === waterMains(b)[0];
    const entry = b.w.write({
      by: person(ctx, 'pm-zhang'),
      role: 'PM',
      object: seg.id,
      kind: 'commissioning.flush-disinfect',
      time: day(8, 9),
      body: {
        chainage: chainage(seg),
        turbidityNtu: failed ? 3.2 : b.rng.real(0.2, 0.8, 1),
        residualChlorineMgPerL: failed ? 0.02 : b.rng.real(0.3, 0.8, 2),
        coliformCfuPer100mL: failed ? 12 : 0,
        labReportNo: `水质${seg.index}-${b.permit.slice(6, 10)}`,
        pass: !failed,
      },
      attachments: [b.w.file(`${seg.alias}-water-quality.pdf`, 'application/pdf', 'water quality report')],
    });
    seg.records.set('flush', entry);
    b.w.attest(entry, b.cast.person('opr-xie'), 'OPR', day(8, 9, 30));
    return;
  }
  const video = b.w.file(`${seg.alias}-handover.mp4`, 'video/mp4', `CCTV ${seg.alias}`);
  b.w.write({
    by: person(ctx, 'cctv-tang'),
    role: 'CCTV',
    object: seg.id,
    kind: 'inspection.handover-cctv',
    time: day(8, 14),
    body: {
      lengthInspectedM: seg.lengthM,
      defects: [],
      videoSha256: toHex(video.sha256),
      inspectedAt: day(8, 14),
    },
    attachments: [video],
  });
}

/** Builds a segment from setting-out to commissioning; plants aimed at "segment 0" land on index 0. */
export function buildSegment(b: Build, seg: SegmentPlan): void {
  const ctx: Ctx = {
    b,
    seg,
    day: (d, h, m = 0) => at(seg.start, d, h, m),
    target: seg.index === 0,
  };
  settingOut(ctx);
  excavate(ctx);
  if (seg.index === 1) revise(ctx);
  const bottom = trenchBottom(ctx);
  bed(ctx, bottom);
  lay(ctx);
  const labels = joints(ctx);
  selfCheck(ctx, labels);
  backfillAndTest(ctx, labels);
  commission(ctx);
}
