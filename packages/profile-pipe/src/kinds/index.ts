/** The catalogue of pipe/1 entry kinds, in lifecycle order. */
import * as acceptance from './acceptance.ts';
import * as construction from './construction.ts';
import * as materials from './materials.ts';
import * as operation from './operation.ts';
import * as preparation from './preparation.ts';
import type { KindSpec, z } from './spec.ts';

export const KIND_SPECS = [
  preparation.projectRegistered,
  preparation.leadAppointed,
  preparation.geotechReport,
  preparation.designIssued,
  preparation.designRevised,
  preparation.reviewPassed,
  preparation.disclosure,
  materials.batchAccepted,
  materials.sampleTested,
  materials.settingOut,
  materials.constructionStarted,
  construction.trenchExcavated,
  construction.trenchBottom,
  construction.bedding,
  construction.pipeLaid,
  construction.jointMade,
  construction.manholeBuilt,
  construction.selfCheck,
  construction.hiddenWorksAccepted,
  construction.pressureTest,
  construction.closedWaterTest,
  construction.backfillLayer,
  construction.asBuilt,
  construction.flushDisinfect,
  construction.handoverCctv,
  acceptance.lotAccepted,
  acceptance.subitemAccepted,
  acceptance.subdivisionAccepted,
  acceptance.preAcceptance,
  acceptance.partyReport,
  acceptance.archivePreAccepted,
  acceptance.completion,
  acceptance.filed,
  acceptance.signInstalled,
  acceptance.archiveTransferred,
  acceptance.handover,
  operation.patrol,
  operation.cleaning,
  operation.conditionAssessment,
  operation.repair,
  operation.rehabilitation,
  operation.incident,
  operation.decommissioned,
  operation.archiveUpdated,
  operation.riskAccepted,
  operation.coverSecured,
  operation.alias,
  operation.attest,
] as const;

type AnySpec = (typeof KIND_SPECS)[number];
export type KindName = AnySpec['kind'];
export type SpecOf<K extends KindName> = Extract<AnySpec, { kind: K }>;
/** The parsed body of a kind. */
export type BodyOf<K extends KindName> = z.output<z.ZodObject<SpecOf<K>['shape']>>;

const BY_KIND = new Map<string, KindSpec>(KIND_SPECS.map((s) => [s.kind, s as unknown as KindSpec]));

export const KIND_NAMES: readonly KindName[] = KIND_SPECS.map((s) => s.kind);

export function kindSpec(kind: string): KindSpec | undefined {
  return BY_KIND.get(kind);
}

export function isKindName(kind: string): kind is KindName {
  return BY_KIND.has(kind);
}

export { MATERIALS } from './fields.ts';
export type { KindSpec, RefSpec, Stage } from './spec.ts';
export { STAGES } from './spec.ts';
