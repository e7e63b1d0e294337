/** Preparation: registration, the five leads, survey, design and its review (domain table 1). */
import { designShape, refineDesign } from './design-params.ts';
import { code, count, flag, list, oneOf, PARTY_CODE, quantity, sha256Hex, text, whole } from './fields.ts';
import { defineKind, entryRef, objectRef, z } from './spec.ts';

export const SOIL_CLASSES = [
  'rock',
  'gravel',
  'sand',
  'silt',
  'clay',
  'silty-clay',
  'fill',
  'soft-soil',
  'collapsible-loess',
  'expansive-soil',
] as const;

export const projectRegistered = defineKind({
  kind: 'project.registered',
  stage: 'preparation',
  summary: 'The owner registers the project under its construction permit.',
  objects: ['project'],
  signers: ['OWN'],
  attachments: 'permit',
  shape: {
    name: text('project name'),
    permitNo: code(/^[0-9A-Z][0-9A-Z-]{5,39}$/, 'permit number', 'construction permit number'),
    qsaRegistrationNo: text('registration number at the quality supervision agency', 64),
    designLifeYears: whole('years', 1, 200, 'design service life of the works'),
    location: text('road or district where the works are'),
  },
});

export const leadAppointed = defineKind({
  kind: 'party.lead-appointed',
  stage: 'preparation',
  summary:
    "A responsible party's lead signs the lifetime-responsibility commitment; the legal representative's authorisation is attached.",
  objects: ['project'],
  signers: ['OWN', 'SUR', 'DES', 'PM', 'CSE'],
  attachments: 'authorisation, commitment',
  shape: {
    party: oneOf(['owner', 'survey', 'design', 'contractor', 'supervision'], 'the responsible party'),
    name: text('the lead’s name as on their ID', 64),
    creditCode: code(PARTY_CODE, 'GB 32100 code', 'unified social credit code of the party'),
    licence: text('the lead’s professional licence or registration number', 64),
    idHash: sha256Hex('salted SHA-256 of the lead’s national ID (never the ID itself)', {
      classification: 'internal',
    }),
  },
});

export const geotechReport = defineKind({
  kind: 'survey.geotech-report',
  stage: 'preparation',
  summary: 'The survey party issues the geotechnical report the trench bottom is checked against.',
  objects: ['project'],
  signers: ['SUR'],
  attachments: 'report',
  shape: {
    reportNo: text('report number', 64),
    boreholes: count(1, 10_000, 'number of boreholes'),
    groundwaterDepthM: quantity('m', 0, 200, 'groundwater level, depth below ground'),
    soilClass: oneOf(SOIL_CLASSES, 'soil class at pipe depth'),
    bearingCapacityKPa: quantity('kPa', 10, 2_000, 'characteristic bearing capacity at pipe depth'),
  },
});

export const designIssued = defineKind({
  kind: 'design.issued',
  stage: 'preparation',
  summary: 'The design party issues the segment’s construction drawings.',
  objects: ['segment'],
  signers: ['DES'],
  attachments: 'drawings, calculations',
  refs: [objectRef('project', ['project'], 1, 1, 'the project the segment belongs to')],
  shape: designShape,
  refine: refineDesign,
});

export const designRevised = defineKind({
  kind: 'design.revised',
  stage: 'preparation',
  summary:
    'A design revision, carrying the full new parameter set; after construction started the owner approves it by attestation.',
  objects: ['segment'],
  signers: ['DES'],
  witnesses: ['OWN'],
  attachments: 'revised drawings, change notice',
  refs: [entryRef('supersedes', ['design.issued', 'design.revised'], 1, 1, 'the design it replaces', true)],
  shape: {
    ...designShape,
    revisionNo: whole('count', 1, 999, 'revision number'),
    reason: text('why the design changes', 512),
    major: flag('a major change (affects structure, safety or the reviewed content): needs a new review'),
  },
  refine: refineDesign,
});

export const reviewPassed = defineKind({
  kind: 'design.review-passed',
  stage: 'preparation',
  summary: 'The drawing-review agency certifies the construction drawings (or a major revision).',
  objects: ['project'],
  signers: ['REV'],
  attachments: 'certificate',
  refs: [
    entryRef('reviews', ['design.issued', 'design.revised'], 0, 64, 'the designs or revisions reviewed'),
  ],
  shape: {
    certificateNo: text('review certificate number', 64),
    scope: text('what was reviewed', 512),
  },
});

export const disclosure = defineKind({
  kind: 'design.disclosure',
  stage: 'preparation',
  summary: 'Design disclosure and drawing joint review (设计交底): owner, designer, contractor, supervisor.',
  objects: ['project'],
  signers: ['OWN'],
  cosigners: ['OWN', 'DES', 'PM', 'SE'],
  attachments: 'minutes',
  shape: {
    items: list(
      z.strictObject({
        issue: text('question raised', 512),
        resolution: text('how it was resolved', 512),
      }),
      1,
      64,
      'issues raised and their resolutions',
    ),
  },
});
