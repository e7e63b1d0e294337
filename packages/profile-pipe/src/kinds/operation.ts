/** Operation, maintenance and end of life (domain table 5), plus the kinds that close its loops. */
import {
  CONDITION_CLASSES,
  chainage,
  count,
  defect,
  flag,
  instant,
  list,
  oneOf,
  quantity,
  sha256Hex,
  text,
} from './fields.ts';
import { defineKind, entryRef, z } from './spec.ts';

export const OBSERVATIONS = [
  'normal',
  'settlement',
  'cover-missing',
  'cover-damaged',
  'overflow',
  'odour',
  'blockage',
  'leak',
  'illegal-connection',
  'excavation-nearby',
] as const;

export const patrol = defineKind({
  kind: 'om.patrol',
  stage: 'operation',
  summary: 'A patrol along the pipe or to a manhole.',
  objects: ['segment', 'manhole'],
  signers: ['OPR'],
  attachments: 'photos',
  shape: {
    durationMin: quantity('min', 0, 1_440, 'time spent'),
    track: list(
      z.strictObject({
        latDeg: quantity('deg', -90, 90, 'latitude'),
        lonDeg: quantity('deg', -180, 180, 'longitude'),
      }),
      0,
      256,
      'GPS track',
    )
      .meta({ classification: 'restricted', description: 'GPS track (restricted)' })
      .optional(),
    observations: list(
      z.strictObject({
        code: oneOf(OBSERVATIONS, 'what was observed'),
        distanceM: quantity('m', 0, 5_000, 'where, metres from the upstream node').optional(),
        note: text('details', 512).optional(),
      }),
      1,
      32,
      'observations',
    ),
  },
});

export const cleaning = defineKind({
  kind: 'om.cleaning',
  stage: 'operation',
  summary: 'Dredging or cleaning of a pipe.',
  objects: ['segment', 'manhole'],
  signers: ['OPR'],
  attachments: 'photos',
  shape: {
    method: oneOf(['jetting', 'winch-bucket', 'suction', 'manual'], 'cleaning method'),
    chainage: chainage().optional(),
    sedimentBeforeMm: quantity('mm', 0, 5_000, 'sediment depth before'),
    sedimentAfterMm: quantity('mm', 0, 5_000, 'sediment depth after'),
    volumeM3: quantity('m3', 0, 10_000, 'volume removed'),
  },
});

export const conditionAssessment = defineKind({
  kind: 'om.condition-assessment',
  stage: 'operation',
  summary: 'CCTV inspection and condition grading under CJJ 181-2012.',
  objects: ['segment'],
  signers: ['CCTV'],
  witnesses: ['OPR'],
  attachments: 'video, frames',
  shape: {
    lengthInspectedM: quantity('m', 0, 5_000, 'length inspected'),
    defects: list(defect, 0, 256, 'defects found'),
    structuralF: quantity('index', 0, 10, 'segment structural defect parameter F'),
    repairIndexRI: quantity('index', 0, 10, 'segment repair index RI'),
    maintenanceIndexMI: quantity('index', 0, 10, 'segment maintenance index MI'),
    structuralClass: oneOf(CONDITION_CLASSES, 'structural condition class I–IV'),
    functionalClass: oneOf(CONDITION_CLASSES, 'functional condition class I–IV'),
    videoSha256: sha256Hex('SHA-256 of the inspection video'),
  },
});

export const repair = defineKind({
  kind: 'om.repair',
  stage: 'operation',
  summary: 'A repair by a repair contractor or the utility’s crew, agreed by the operator.',
  objects: ['segment', 'manhole'],
  signers: ['PM', 'OPR'],
  cosigners: ['OPR'],
  witnesses: ['SE', 'PM'],
  attachments: 'before/after CCTV',
  refs: [
    entryRef(
      'defect',
      ['om.condition-assessment', 'om.incident', 'om.patrol'],
      0,
      8,
      'the assessment, incident or patrol that found the defect',
    ),
  ],
  shape: {
    method: oneOf(
      [
        'point-liner',
        'grouting',
        'joint-sealing',
        'local-replacement',
        'excavation-repair',
        'cover-replacement',
        'manhole-repair',
      ],
      'repair method',
    ),
    chainage: chainage().optional(),
    changesPipe: flag('the repair changes the pipe’s geometry or material (archive update needed)'),
    emergency: flag('an emergency repair'),
  },
});

export const rehabilitation = defineKind({
  kind: 'om.rehabilitation',
  stage: 'operation',
  summary: 'Trenchless rehabilitation (CJJ/T 210) designed, built, supervised and accepted.',
  objects: ['segment'],
  signers: ['PM', 'DES'],
  cosigners: ['DES', 'PM', 'SE', 'OPR'],
  attachments: 'design, CCTV',
  refs: [entryRef('assessment', ['om.condition-assessment'], 0, 4, 'the condition assessment it answers')],
  shape: {
    method: oneOf(
      ['cipp', 'spiral-wound', 'slip-lining', 'pipe-bursting', 'spray-lining', 'fold-and-form'],
      'rehabilitation method',
    ),
    chainage: chainage(),
    linerThicknessMm: quantity('mm', 1, 100, 'liner wall thickness'),
    designLifeYears: quantity('years', 1, 100, 'design life of the rehabilitated pipe'),
  },
});

export const incident = defineKind({
  kind: 'om.incident',
  stage: 'operation',
  summary: 'An incident on the pipe: collapse, leak, burst, strike…',
  objects: ['segment', 'manhole'],
  signers: ['OPR', 'QSA'],
  attachments: 'photos',
  shape: {
    type: oneOf(
      ['collapse', 'leak', 'burst', 'blockage', 'overflow', 'strike', 'subsidence', 'other'],
      'incident type',
    ),
    occurredAt: instant('when it happened'),
    chainage: chainage().optional(),
    location: text('where, in words'),
    lossesCny: quantity('CNY', 0, 1e10, 'direct losses'),
    injuries: count(0, 10_000, 'people injured'),
    fatalities: count(0, 10_000, 'people killed'),
  },
});

export const decommissioned = defineKind({
  kind: 'lifecycle.decommissioned',
  stage: 'operation',
  summary: 'The pipe is taken out of service; the city archive must update its records within 3 months.',
  objects: ['segment', 'manhole'],
  signers: ['OPR'],
  attachments: 'archive update request',
  shape: {
    method: oneOf(['plug', 'grout', 'remove'], 'how it was decommissioned'),
    decommissionedAt: instant('date out of service'),
    reason: text('why', 512),
  },
});

export const archiveUpdated = defineKind({
  kind: 'archive.updated',
  stage: 'operation',
  summary: 'The city archive updates the pipeline records (Order 136).',
  objects: ['segment', 'manhole', 'project'],
  signers: ['ARC'],
  attachments: 'updated drawings',
  refs: [
    entryRef(
      'update-for',
      ['lifecycle.decommissioned', 'om.repair', 'om.rehabilitation'],
      0,
      8,
      'the change the update records',
    ),
  ],
  shape: {
    reason: oneOf(['decommissioning', 'repair', 'rehabilitation', 'census', 'correction'], 'why'),
    recordNo: text('archive record number', 64),
    drawingsUpdated: flag('the pipeline drawings were updated'),
  },
});

export const riskAccepted = defineKind({
  kind: 'om.risk-accepted',
  stage: 'operation',
  summary: 'A signed acceptance of the risk of a serious defect, with interim measures.',
  objects: ['segment'],
  signers: ['OPR'],
  attachments: 'risk assessment',
  refs: [
    entryRef('assessment', ['om.condition-assessment'], 1, 1, 'the assessment whose finding is accepted'),
  ],
  shape: {
    reason: text('why repair is deferred', 512),
    measures: list(text('measure', 256), 1, 16, 'interim measures (monitoring, load limits…)'),
    reviewBy: instant('when the decision is reviewed'),
  },
});

export const coverSecured = defineKind({
  kind: 'om.cover-secured',
  stage: 'operation',
  summary: 'A missing manhole cover is fenced off (barrier) or restored.',
  objects: ['manhole'],
  signers: ['OPR'],
  attachments: 'photo',
  refs: [entryRef('patrol', ['om.patrol'], 1, 1, 'the patrol that found the cover missing', true)],
  shape: {
    action: oneOf(['barrier', 'restored'], 'barrier and warning signs placed, or cover restored'),
    note: text('details', 512).optional(),
  },
});

export const alias = defineKind({
  kind: 'object.alias',
  stage: 'any',
  summary: 'A human alias of the object (census number, drawing number…) with its validity period.',
  objects: ['project', 'segment', 'manhole', 'joint', 'lot'],
  signers: ['OWN', 'DES', 'GEO', 'OPR', 'ARC'],
  attachments: 'census sheet',
  shape: {
    alias: text('the alias; must follow the object type’s scheme', 128),
    scheme: oneOf(['census', 'drawing', 'asset-register', 'permit', 'lot-code'], 'numbering scheme'),
    validFrom: instant('valid from (inclusive)'),
    validUntil: instant('valid until (exclusive); open-ended when absent').optional(),
  },
  refine: (body, issue) => {
    if (body.validUntil !== undefined && body.validUntil <= body.validFrom) {
      issue(['validUntil'], 'must be after validFrom');
    }
  },
});

export const attest = defineKind({
  kind: 'attest',
  stage: 'any',
  summary: 'A cosignature: another role endorses, witnesses or approves an entry of the same object.',
  objects: ['project', 'segment', 'manhole', 'joint', 'lot'],
  signers: 'any',
  attachments: 'none',
  refs: [entryRef('attests', [], 1, 1, 'the entry endorsed', true)],
  shape: {
    statement: oneOf(['agreed', 'witnessed', 'approved', 'attended', 'reviewed'], 'what the signature means'),
    opinion: text('remarks', 1_024).optional(),
  },
});
