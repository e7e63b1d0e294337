/** Acceptance and handover (domain table 4), along GB 50300's lot → subitem → subdivision → unit. */
import { code, flag, instant, list, oneOf, quantity, text } from './fields.ts';
import { defineKind, entryRef, z } from './spec.ts';

const PART = '[A-Za-z0-9][A-Za-z0-9._-]{0,31}';
const RESULT = oneOf(['pass', 'fail'], 'acceptance result');

export const lotAccepted = defineKind({
  kind: 'acceptance.lot',
  stage: 'acceptance',
  summary: 'Acceptance of an inspection lot by the supervision engineer.',
  objects: ['lot'],
  signers: ['SE'],
  attachments: 'lot acceptance form',
  refs: [entryRef('evidence', [], 0, 64, 'the records the lot was accepted on')],
  shape: {
    code: code(
      new RegExp(`^${PART}/${PART}/${PART}/${PART}$`),
      'unit/subdivision/subitem/lot',
      'the lot’s code; must match the lot id',
    ),
    result: RESULT,
    mainItemsPass: flag('all main-control items pass'),
    generalPassRatePct: quantity('%', 0, 100, 'pass rate of the general items'),
  },
});

export const subitemAccepted = defineKind({
  kind: 'acceptance.subitem',
  stage: 'acceptance',
  summary: 'Acceptance of a subitem (分项) once its lots are accepted.',
  objects: ['project'],
  signers: ['SE'],
  attachments: 'subitem acceptance form',
  refs: [entryRef('includes', ['acceptance.lot'], 0, 64, 'the accepted lots')],
  shape: {
    code: code(new RegExp(`^${PART}/${PART}/${PART}$`), 'unit/subdivision/subitem', 'the subitem’s code'),
    result: RESULT,
  },
});

export const subdivisionAccepted = defineKind({
  kind: 'acceptance.subdivision',
  stage: 'acceptance',
  summary: 'Acceptance of a subdivision (分部) by the chief supervision engineer.',
  objects: ['project'],
  signers: ['CSE'],
  attachments: 'subdivision acceptance form',
  refs: [entryRef('includes', ['acceptance.subitem'], 0, 64, 'the accepted subitems')],
  shape: {
    code: code(new RegExp(`^${PART}/${PART}$`), 'unit/subdivision', 'the subdivision’s code'),
    result: RESULT,
  },
});

export const preAcceptance = defineKind({
  kind: 'acceptance.pre-acceptance',
  stage: 'acceptance',
  summary:
    'Pre-acceptance (竣工预验收) by the chief supervision engineer, with the quality assessment report.',
  objects: ['project'],
  signers: ['CSE'],
  attachments: 'quality assessment report',
  shape: {
    result: oneOf(['pass', 'rectify'], 'pass, or rectification needed'),
    findings: list(text('finding', 512), 0, 64, 'findings'),
    reportNo: text('quality assessment report number', 64),
  },
});

export const partyReport = defineKind({
  kind: 'acceptance.party-report',
  stage: 'acceptance',
  summary: 'The quality report of the survey, design or contractor party before completion acceptance.',
  objects: ['project'],
  signers: ['SUR', 'DES', 'PM'],
  attachments: 'report',
  shape: {
    party: oneOf(['survey', 'design', 'contractor'], 'the reporting party; must match the signing role'),
    conclusion: oneOf(['qualified', 'unqualified'], 'the party’s conclusion'),
    reportNo: text('report number', 64),
  },
});

export const archivePreAccepted = defineKind({
  kind: 'archive.pre-accepted',
  stage: 'acceptance',
  summary: 'The city archive’s pre-acceptance of the project records (档案预验收).',
  objects: ['project'],
  signers: ['ARC'],
  attachments: 'approval',
  shape: {
    opinion: oneOf(['accepted', 'rejected'], 'the archive’s opinion'),
    approvalNo: text('approval number', 64),
  },
});

export const completion = defineKind({
  kind: 'acceptance.completion',
  stage: 'acceptance',
  summary: 'Completion acceptance (竣工验收) organised by the owner and signed by the five leads.',
  objects: ['project'],
  signers: ['OWN'],
  cosigners: ['OWN', 'SUR', 'DES', 'PM', 'CSE'],
  attachments: 'completion acceptance report',
  refs: [entryRef('basis', [], 0, 64, 'the acceptances, reports and approvals it rests on')],
  shape: {
    conclusion: oneOf(['qualified', 'unqualified'], 'acceptance conclusion'),
    reportNo: text('completion acceptance report number', 64),
  },
});

export const filed = defineKind({
  kind: 'acceptance.filed',
  stage: 'acceptance',
  summary: 'Filing of the completion acceptance with the authority (竣工验收备案).',
  objects: ['project'],
  signers: ['OWN'],
  attachments: 'filing form',
  refs: [entryRef('completion', ['acceptance.completion'], 1, 1, 'the completion acceptance filed')],
  shape: {
    filingNo: text('filing number', 64),
  },
});

const leadName = (party: string) => text(`name of the ${party} lead on the sign`, 64);

export const signInstalled = defineKind({
  kind: 'acceptance.sign-installed',
  stage: 'acceptance',
  summary: 'The permanent sign naming the five leads (永久性标牌) is installed.',
  objects: ['project'],
  signers: ['OWN'],
  attachments: 'photo',
  refs: [entryRef('completion', ['acceptance.completion'], 0, 1, 'the completion acceptance')],
  shape: {
    names: z
      .strictObject({
        owner: leadName('owner'),
        survey: leadName('survey'),
        design: leadName('design'),
        contractor: leadName('contractor'),
        supervision: leadName('supervision'),
      })
      .meta({ description: 'the five leads named on the sign' }),
    location: text('where the sign is installed'),
  },
});

export const archiveTransferred = defineKind({
  kind: 'archive.transferred',
  stage: 'acceptance',
  summary: 'Transfer of the project archive to the city archive, incl. the lifetime-responsibility file.',
  objects: ['project'],
  signers: ['OWN'],
  cosigners: ['OWN', 'ARC'],
  attachments: 'transfer letter',
  refs: [entryRef('completion', ['acceptance.completion'], 1, 1, 'the completion acceptance')],
  shape: {
    archiveNo: text('archive accession number', 64),
    items: list(text('item', 256), 1, 256, 'items transferred'),
    includesLifetimeResponsibilityFile: flag('the lifetime-responsibility file is among the items'),
  },
});

export const handover = defineKind({
  kind: 'handover.to-operator',
  stage: 'acceptance',
  summary: 'Handover to the pipe owner / operator, which connects and runs the pipes.',
  objects: ['project', 'segment'],
  signers: ['OWN'],
  cosigners: ['OWN', 'OPR'],
  attachments: 'defect list',
  refs: [entryRef('completion', ['acceptance.completion'], 0, 1, 'the completion acceptance')],
  shape: {
    warrantyEndsAt: instant('end of the warranty period'),
    defects: list(text('defect', 256), 0, 64, 'known defects handed over'),
  },
});
