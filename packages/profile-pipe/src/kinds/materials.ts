/** Materials and start (domain table 2). */
import { chainage, count, flag, instant, list, MATERIALS, oneOf, quantity, text, whole } from './fields.ts';
import { defineKind, entryRef, z } from './spec.ts';

/** The unit each sampled property is measured in. */
export const PROPERTY_UNITS = {
  'ring-stiffness': 'kN/m2',
  'ring-flexibility': '%',
  'external-load': 'kN/m',
  hydrostatic: 'MPa',
  'compressive-strength': 'MPa',
  dimensions: 'mm',
} as const;

export const batchAccepted = defineKind({
  kind: 'material.batch-accepted',
  stage: 'materials-start',
  summary: 'Site acceptance of a material batch (进场验收) by the QC inspector and the supervision engineer.',
  objects: ['project'],
  signers: ['QI', 'SE'],
  cosigners: ['QI', 'SE'],
  attachments: 'certificate of conformity',
  shape: {
    batchNo: text('batch number', 64),
    maker: text('manufacturer'),
    material: oneOf(MATERIALS, 'pipe material'),
    dnMm: whole('mm', 50, 4_000, 'nominal diameter DN'),
    pipeClass: text('strength class, e.g. SN8, II, K9', 16),
    quantityPieces: count(1, 100_000, 'number of pipe pieces'),
    totalLengthM: quantity('m', 0.5, 100_000, 'total pipe length delivered'),
    certificateNo: text('certificate of conformity number', 64),
    samplingRequired: flag('whether the batch must be sampled and re-tested before use'),
    conclusion: oneOf(['accepted', 'rejected'], 'acceptance conclusion'),
  },
});

export const sampleTested = defineKind({
  kind: 'material.sample-tested',
  stage: 'materials-start',
  summary: 'A laboratory re-test of a batch sample, taken under supervision witness (见证取样).',
  objects: ['project'],
  signers: ['LAB'],
  witnesses: ['SE'],
  attachments: 'lab report',
  refs: [entryRef('batch', ['material.batch-accepted'], 1, 1, 'the batch the sample is from')],
  shape: {
    sampleId: text('sample id', 64),
    batchNo: text('batch number', 64),
    property: oneOf(
      Object.keys(PROPERTY_UNITS) as [keyof typeof PROPERTY_UNITS, ...(keyof typeof PROPERTY_UNITS)[]],
      'property tested',
    ),
    value: z.number().meta({ description: 'measured value, in `unit`' }),
    requirement: z.number().meta({ description: 'required value (minimum or limit), in `unit`' }),
    unit: oneOf(
      ['kN/m2', '%', 'kN/m', 'MPa', 'mm'],
      'unit of value and requirement: ring-stiffness kN/m2, ring-flexibility %, external-load kN/m, hydrostatic MPa, compressive-strength MPa, dimensions mm',
    ),
    pass: flag('whether the sample met the requirement'),
  },
  refine: (body, issue) => {
    const expected = PROPERTY_UNITS[body.property];
    if (body.unit !== expected)
      issue(['unit'], `${body.property} is measured in ${expected}, not ${body.unit}`);
  },
});

export const settingOut = defineKind({
  kind: 'construction.setting-out',
  stage: 'materials-start',
  summary: 'Setting-out of the line from the control points, checked by the supervision engineer.',
  objects: ['segment'],
  signers: ['PM'],
  cosigners: ['PM', 'SE'],
  attachments: 'survey sheet',
  shape: {
    chainage: chainage(),
    controlPoints: list(
      z.strictObject({
        name: text('control point name', 32),
        xM: quantity('m', -10_000_000, 10_000_000, 'grid easting'),
        yM: quantity('m', -10_000_000, 10_000_000, 'grid northing'),
        zM: quantity('m', -100, 9_000, 'elevation'),
      }),
      2,
      64,
      'control points used (restricted survey data)',
    ).meta({ classification: 'restricted', description: 'control points used' }),
    closureErrorMm: quantity('mm', 0, 1_000, 'closure error of the setting-out traverse'),
  },
});

export const constructionStarted = defineKind({
  kind: 'construction.started',
  stage: 'materials-start',
  summary: 'The start order (开工令) by the chief supervision engineer, agreed by the owner.',
  objects: ['project'],
  signers: ['CSE'],
  cosigners: ['CSE', 'OWN'],
  attachments: 'start order',
  shape: {
    startOrderNo: text('start order number', 64),
    startAt: instant('the date works start'),
    plannedCompletionAt: instant('planned completion date'),
  },
});
