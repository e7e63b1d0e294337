/** Construction and hidden works (domain table 3). */
import {
  chainage,
  code,
  count,
  defect,
  flag,
  instant,
  JOINT_TYPES,
  jointNo,
  list,
  oneOf,
  quantity,
  sha256Hex,
  text,
  whole,
} from './fields.ts';
import { SOIL_CLASSES } from './preparation.ts';
import { defineKind, entryRef, z } from './spec.ts';

export const trenchExcavated = defineKind({
  kind: 'construction.trench-excavated',
  stage: 'construction',
  summary: 'A length of trench excavated to grade.',
  objects: ['segment'],
  signers: ['QI'],
  attachments: 'photos',
  refs: [entryRef('start-order', ['construction.started'], 0, 1, 'the start order the works proceed under')],
  shape: {
    chainage: chainage(),
    depthM: quantity('m', 0.3, 30, 'trench depth below ground').optional(),
    widthM: quantity('m', 0.3, 20, 'trench bottom width'),
    bottomDeviationMm: quantity('mm', -500, 500, 'bottom elevation minus design elevation'),
  },
});

export const trenchBottom = defineKind({
  kind: 'inspection.trench-bottom',
  stage: 'construction',
  summary: 'Trench-bottom inspection (验槽) by owner, survey, design, contractor and supervision together.',
  objects: ['segment'],
  signers: ['OWN', 'SUR', 'DES', 'PM', 'SE'],
  cosigners: ['OWN', 'SUR', 'DES', 'PM', 'SE'],
  attachments: 'record, photos',
  refs: [entryRef('geotech', ['survey.geotech-report'], 0, 1, 'the report the soil is compared with')],
  shape: {
    chainage: chainage(),
    soilClass: oneOf(SOIL_CLASSES, 'soil found at the trench bottom'),
    matchesReport: flag('whether the soil matches the geotechnical report'),
    bearingCapacityKPa: quantity('kPa', 10, 2_000, 'bearing capacity measured on site').optional(),
    treatment: oneOf(
      ['none', 'replacement', 'compaction', 'lime-stabilisation', 'piling', 'dewatering'],
      'ground treatment decided',
    ),
    conclusion: oneOf(['accepted', 'rejected'], 'inspection conclusion'),
  },
});

export const bedding = defineKind({
  kind: 'construction.bedding',
  stage: 'construction',
  summary: 'Pipe bedding: the base under the pipe, or haunch bedding placed around laid pipes.',
  objects: ['segment'],
  signers: ['QI'],
  attachments: 'compaction test',
  shape: {
    chainage: chainage(),
    type: oneOf(['sand', 'sand-gravel', 'graded-gravel', 'concrete', 'compacted-soil'], 'bedding material'),
    zone: oneOf(['base', 'haunch'], 'base under the pipe, or haunch around it').optional(),
    thicknessMm: quantity('mm', 0, 1_000, 'bedding thickness'),
    compactionPct: quantity('%', 80, 100, 'degree of compaction'),
  },
});

export const pipeLaid = defineKind({
  kind: 'construction.pipe-laid',
  stage: 'construction',
  summary: 'Pipes laid over a chainage, from an accepted batch.',
  objects: ['segment'],
  signers: ['QI'],
  attachments: 'laying sheet',
  refs: [
    entryRef('batch', ['material.batch-accepted'], 0, 8, 'the acceptance of the batch the pipes come from'),
    entryRef(
      'sample',
      ['material.sample-tested'],
      0,
      8,
      'the re-test of the batch, where sampling is required',
    ),
  ],
  shape: {
    chainage: chainage(),
    batch: text('batch number of the pipes laid', 64),
    dnMm: whole('mm', 50, 4_000, 'nominal diameter DN'),
    axisOffsetMm: quantity('mm', -500, 500, 'horizontal axis offset from design'),
    invertDeviationMm: quantity('mm', -500, 500, 'invert elevation minus design'),
    stepMm: quantity('mm', 0, 100, 'step between adjacent pipe ends (错口)'),
  },
});

export const jointMade = defineKind({
  kind: 'construction.joint-made',
  stage: 'construction',
  summary: 'One joint made; joints are numbered from the upstream node.',
  objects: ['segment'],
  signers: ['QI'],
  attachments: 'photo',
  shape: {
    joint: jointNo(),
    chainage: chainage('position of the joint [x, x], metres from the upstream node'),
    type: oneOf(JOINT_TYPES, 'joint type'),
    gasketChecked: flag('rubber-ring joints: gasket position and compression checked').optional(),
    fusionTemperatureC: quantity('°C', 150, 300, 'fusion joints: heater plate temperature').optional(),
    coolingMin: quantity('min', 0, 600, 'fusion joints: cooling time under pressure').optional(),
    weldInspection: oneOf(
      ['visual', 'ultrasonic', 'radiographic'],
      'welded joints: inspection method',
    ).optional(),
  },
  refine: (body, issue) => {
    if ((body.type === 'rubber-ring' || body.type === 'socket-spigot') && body.gasketChecked === undefined) {
      issue(['gasketChecked'], `required for ${body.type} joints`);
    }
    if (body.type === 'electrofusion' || body.type === 'butt-fusion') {
      if (body.fusionTemperatureC === undefined)
        issue(['fusionTemperatureC'], `required for ${body.type} joints`);
      if (body.coolingMin === undefined) issue(['coolingMin'], `required for ${body.type} joints`);
    }
    if (body.type === 'welded' && body.weldInspection === undefined) {
      issue(['weldInspection'], 'required for welded joints');
    }
    if (body.chainage[0] !== body.chainage[1]) issue(['chainage'], 'a joint is a point: from must equal to');
  },
});

export const manholeBuilt = defineKind({
  kind: 'construction.manhole-built',
  stage: 'construction',
  summary: 'A manhole built at a node.',
  objects: ['manhole'],
  signers: ['QI'],
  attachments: 'photos',
  refs: [entryRef('start-order', ['construction.started'], 0, 1, 'the start order the works proceed under')],
  shape: {
    node: code(/^(JS|WS|YS|RQ|DL|TX|RL)\d{6}$/, 'utility code + 6 digits', 'node number'),
    depthM: quantity('m', 0.5, 30, 'depth from cover to invert'),
    material: oneOf(['brick', 'cast-concrete', 'precast-concrete', 'plastic'], 'chamber material'),
    coverLoadClass: oneOf(
      ['A15', 'B125', 'C250', 'D400', 'E600', 'F900'],
      'cover load class (EN 124 / GB/T 23858)',
    ),
    inverts: list(
      z.strictObject({
        segment: text('alias of the connecting segment', 64),
        elevationM: quantity('m', -100, 5_000, 'invert elevation'),
      }),
      1,
      16,
      'inverts of the connecting pipes',
    ).meta({ classification: 'restricted', description: 'inverts of the connecting pipes' }),
  },
});

export const selfCheck = defineKind({
  kind: 'inspection.hidden-works-selfcheck',
  stage: 'construction',
  summary: 'The contractor’s own check of hidden works before calling the supervision engineer.',
  objects: ['segment', 'manhole'],
  signers: ['QI'],
  cosigners: ['QI', 'TL'],
  attachments: 'check sheet',
  shape: {
    scope: text('what was checked', 256),
    chainage: chainage(),
    joints: list(jointNo(), 0, 64, 'joints within the scope').optional(),
    items: count(1, 1_000, 'number of items checked'),
    passed: count(0, 1_000, 'number of items that passed'),
  },
  refine: (body, issue) => {
    if (body.passed > body.items) issue(['passed'], `cannot exceed items (${body.items})`);
  },
});

const MEASURE_UNITS = ['mm', 'm', '%', '‰', 'MPa', 'kPa'] as const;

export const hiddenWorksAccepted = defineKind({
  kind: 'inspection.hidden-works-accepted',
  stage: 'construction',
  summary: 'Acceptance of hidden works by the supervision engineer before they are covered.',
  objects: ['segment', 'manhole'],
  signers: ['SE'],
  witnesses: ['QI'],
  attachments: 'at least one time- and location-stamped photo or video',
  shape: {
    scope: text('what was inspected', 256),
    chainage: chainage(),
    joints: list(jointNo(), 0, 64, 'joints within the scope').optional(),
    items: list(
      z.strictObject({
        item: text('inspected item', 128),
        designValue: z.number().meta({ description: 'design value, in `unit`' }),
        measuredValue: z.number().meta({ description: 'measured value, in `unit`' }),
        deviation: z.number().meta({ description: 'measuredValue − designValue, in `unit`' }),
        unit: oneOf(MEASURE_UNITS, 'unit of the three values'),
        pass: flag('within tolerance'),
      }),
      1,
      64,
      'per item: design, measured, deviation',
    ),
    passRatePct: quantity('%', 0, 100, 'share of measured points within tolerance'),
    conclusion: oneOf(['accepted', 'rejected'], 'acceptance conclusion'),
    evidence: list(
      z.strictObject({
        attachment: sha256Hex('SHA-256 of the photo or video among the entry’s attachments'),
        capturedAt: instant('when the photo or video was taken'),
        latDeg: quantity('deg', -90, 90, 'latitude where it was taken (WGS 84)'),
        lonDeg: quantity('deg', -180, 180, 'longitude where it was taken (WGS 84)'),
      }),
      0,
      64,
      'time and location stamps of the photo and video evidence',
    ),
  },
  refine: (body, issue) => {
    body.items.forEach((item, i) => {
      const expected = item.measuredValue - item.designValue;
      if (Math.abs(item.deviation - expected) > 1e-6 * Math.max(1, Math.abs(expected))) {
        issue(['items', i, 'deviation'], `must equal measuredValue − designValue (${expected})`);
      }
    });
  },
});

const readings = list(
  z.strictObject({
    atMin: quantity('min', 0, 1_440, 'minutes since the test pressure was reached'),
    pressureMPa: quantity('MPa', 0, 10, 'gauge reading'),
  }),
  2,
  64,
  'raw gauge readings during the hold',
);

export const pressureTest = defineKind({
  kind: 'test.pressure',
  stage: 'construction',
  summary: 'Hydrostatic pressure test of a pressure pipe, witnessed by the supervision engineer.',
  objects: ['segment'],
  signers: ['PM'],
  witnesses: ['SE'],
  attachments: 'record, gauge certificate',
  shape: {
    chainage: chainage(),
    joints: list(jointNo(), 0, 128, 'joints within the tested length').optional(),
    lengthM: quantity('m', 1, 5_000, 'tested length'),
    workingPressureMPa: quantity('MPa', 0, 5, 'working pressure'),
    testPressureMPa: quantity('MPa', 0.1, 10, 'test pressure'),
    holdMin: quantity('min', 1, 1_440, 'hold time at test pressure'),
    pressureDropMPa: quantity('MPa', 0, 2, 'pressure drop over the hold'),
    leakageLPerMinKm: quantity('L/(min·km)', 0, 1_000, 'make-up water (leakage) rate').optional(),
    gaugeId: text('gauge serial number', 64),
    gaugeAccuracyClass: quantity('class', 0.05, 4, 'gauge accuracy class (e.g. 1.0, 1.6)'),
    gaugeCalibratedAt: instant('when the gauge was last calibrated'),
    gaugeCalibrationExpiresAt: instant('when the gauge calibration expires'),
    readings,
    pass: flag('test result'),
  },
  refine: (body, issue) => {
    if (body.testPressureMPa < body.workingPressureMPa) {
      issue(['testPressureMPa'], `must not be below workingPressureMPa (${body.workingPressureMPa} MPa)`);
    }
    if (body.gaugeCalibrationExpiresAt <= body.gaugeCalibratedAt) {
      issue(['gaugeCalibrationExpiresAt'], 'must be after gaugeCalibratedAt');
    }
  },
});

export const closedWaterTest = defineKind({
  kind: 'test.closed-water',
  stage: 'construction',
  summary: 'Closed-water (tightness) test of a gravity pipe, witnessed by the supervision engineer.',
  objects: ['segment'],
  signers: ['PM'],
  witnesses: ['SE'],
  attachments: 'record',
  shape: {
    chainage: chainage(),
    lengthM: quantity('m', 1, 5_000, 'tested length'),
    headM: quantity('m', 0, 10, 'test head above the upstream crown'),
    holdMin: quantity('min', 1, 1_440, 'observation time'),
    leakageLPerMinKm: quantity('L/(min·km)', 0, 1_000, 'measured seepage'),
    allowableLeakageLPerMinKm: quantity('L/(min·km)', 0, 1_000, 'allowed seepage for the pipe').optional(),
    pass: flag('test result'),
  },
});

export const backfillLayer = defineKind({
  kind: 'construction.backfill-layer',
  stage: 'construction',
  summary: 'One compacted backfill layer over a chainage.',
  objects: ['segment'],
  signers: ['QI'],
  witnesses: ['LAB'],
  attachments: 'compaction report',
  shape: {
    chainage: chainage(),
    layer: count(1, 200, 'layer number, counted from the bottom'),
    zone: oneOf(
      ['haunch', 'side', 'crown', 'upper'],
      'haunch (support angle), side (to the crown), crown (up to 0.5 m above it), upper (above that)',
    ),
    liftMm: quantity('mm', 50, 600, 'compacted layer thickness'),
    compactionPct: quantity('%', 80, 100, 'degree of compaction'),
    material: oneOf(['sand', 'graded-gravel', 'soil', 'lime-soil', 'flowable-fill'], 'backfill material'),
    deflectionPct: quantity('%', 0, 20, 'measured ring deflection of flexible pipe').optional(),
    jointsExposed: flag('joints left uncovered for the pressure test').optional(),
    final: flag('the final layer to finished grade').optional(),
  },
});

export const asBuilt = defineKind({
  kind: 'survey.as-built',
  stage: 'construction',
  summary: 'As-built survey (竣工测量) before covering, by a qualified surveyor.',
  objects: ['segment', 'manhole'],
  signers: ['GEO'],
  attachments: 'survey table',
  shape: {
    chainage: chainage().optional(),
    points: list(
      z.strictObject({
        name: text('point name', 32),
        xM: quantity('m', -10_000_000, 10_000_000, 'grid easting'),
        yM: quantity('m', -10_000_000, 10_000_000, 'grid northing'),
        zM: quantity('m', -100, 9_000, 'elevation'),
      }),
      1,
      64,
      'surveyed points',
    ).meta({ classification: 'restricted', description: 'surveyed points (restricted mapping data)' }),
    planAccuracyMm: quantity('mm', 0, 5_000, 'plan position accuracy', { classification: 'restricted' }),
    heightAccuracyMm: quantity('mm', 0, 5_000, 'elevation accuracy', { classification: 'restricted' }),
  },
});

export const flushDisinfect = defineKind({
  kind: 'commissioning.flush-disinfect',
  stage: 'construction',
  summary: 'Flushing and disinfection of a water main before it is connected.',
  objects: ['segment'],
  signers: ['PM'],
  cosigners: ['PM', 'OPR'],
  attachments: 'lab report',
  shape: {
    chainage: chainage(),
    turbidityNtu: quantity('NTU', 0, 1_000, 'turbidity after flushing'),
    residualChlorineMgPerL: quantity('mg/L', 0, 50, 'residual free chlorine'),
    coliformCfuPer100mL: whole('CFU/100mL', 0, 1_000_000, 'total coliforms'),
    labReportNo: text('water-quality report number', 64),
    pass: flag('water quality meets the standard'),
  },
});

export const handoverCctv = defineKind({
  kind: 'inspection.handover-cctv',
  stage: 'construction',
  summary: 'CCTV inspection of the new pipe before handover (CJJ 181).',
  objects: ['segment'],
  signers: ['CCTV'],
  attachments: 'video (by hash)',
  shape: {
    lengthInspectedM: quantity('m', 0, 5_000, 'length inspected'),
    defects: list(defect, 0, 256, 'CJJ 181 defect list'),
    videoSha256: sha256Hex('SHA-256 of the inspection video'),
    inspectedAt: instant('when the inspection was filmed').optional(),
  },
});
