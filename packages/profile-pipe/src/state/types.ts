/** The state of one object as its entries fold into it, for replay (DESIGN §8). */
import type { BodyOf } from '../kinds/index.ts';

export type Interval = readonly [number, number];

export type LifecycleStatus =
  | 'registered'
  | 'designed'
  | 'under-construction'
  | 'completed'
  | 'in-service'
  | 'decommissioned';

export interface AliasRecord {
  readonly alias: string;
  readonly scheme: string;
  readonly validFrom: number;
  /** The stated end, or the start of the next alias of the same scheme, whichever is first. */
  readonly validUntil?: number;
  readonly entry: string;
}

export type DesignParams = Omit<BodyOf<'design.issued'>, 'issuedAt'>;

export interface DesignRecord {
  readonly entry: string;
  readonly time: number;
  /** 0 for the issued design. */
  readonly revision: number;
  readonly major: boolean;
  readonly ownerApproved: boolean;
  readonly params: DesignParams;
}

export interface JointState {
  readonly joint: string;
  readonly chainageM: number;
  readonly type: string;
  readonly madeAt: number;
  readonly entry: string;
  readonly hiddenWorks: 'pending' | 'accepted' | 'rejected';
  readonly acceptedBy?: string;
  readonly coveredBy?: string;
  /** Covered while its hidden works were not accepted. */
  readonly coveredUnaccepted: boolean;
}

export interface TestRecord {
  readonly entry: string;
  readonly kind: 'test.pressure' | 'test.closed-water' | 'commissioning.flush-disinfect';
  readonly time: number;
  readonly pass: boolean;
  readonly chainage: Interval;
  readonly witnessedBy: readonly string[];
  readonly summary: string;
}

export interface Progress {
  readonly excavated: readonly Interval[];
  readonly bedded: readonly Interval[];
  readonly laid: readonly Interval[];
  readonly backfilled: readonly Interval[];
  readonly finalBackfill: readonly Interval[];
  readonly backfillLayers: number;
  readonly asBuiltSurveyed: boolean;
}

export interface Acceptance {
  readonly lots: Readonly<Record<string, { readonly entry: string; readonly result: string }>>;
  readonly subitems: Readonly<Record<string, { readonly entry: string; readonly result: string }>>;
  readonly subdivisions: Readonly<Record<string, { readonly entry: string; readonly result: string }>>;
  readonly partyReports: Readonly<Record<string, { readonly entry: string; readonly conclusion: string }>>;
  readonly preAcceptance?: { readonly entry: string; readonly result: string };
  readonly archivePreAccepted?: { readonly entry: string; readonly opinion: string };
  readonly completion?: { readonly entry: string; readonly time: number; readonly conclusion: string };
  readonly filed?: { readonly entry: string; readonly time: number; readonly filingNo: string };
  readonly archiveTransferred?: { readonly entry: string; readonly time: number };
  readonly handedOver?: { readonly entry: string; readonly time: number; readonly warrantyEndsAt: number };
}

export interface LeadRecord {
  readonly party: string;
  readonly name: string;
  readonly licence: string;
  readonly entry: string;
  readonly time: number;
}

export interface ConditionRecord {
  readonly entry: string;
  readonly time: number;
  readonly structuralClass: string;
  readonly functionalClass: string;
  readonly structuralF: number;
  /** The worst grade per defect code found. */
  readonly grades: Readonly<Record<string, number>>;
}

export interface MaintenanceEvent {
  readonly entry: string;
  readonly kind: string;
  readonly time: number;
  readonly summary: string;
}

export interface Obligation {
  /** Stable key, so a fulfilling entry can close it. */
  readonly key: string;
  /** The rule that imposes it, or `COSIGN` for a missing cosignature. */
  readonly code: string;
  readonly anchor: string;
  readonly description: string;
  readonly dueAt?: number;
}

export interface PipeObjectState {
  readonly object: string;
  readonly type: string | undefined;
  readonly status: LifecycleStatus | undefined;
  readonly entries: number;
  /** Entries whose body did not match their kind's schema, or of unknown kinds; not folded. */
  readonly skipped: number;
  readonly lastTime?: number;
  readonly aliases: readonly AliasRecord[];
  readonly project?: { readonly name: string; readonly permitNo: string; readonly designLifeYears: number };
  readonly leads: Readonly<Record<string, LeadRecord>>;
  readonly design?: DesignRecord;
  readonly designHistory: readonly DesignRecord[];
  readonly progress: Progress;
  readonly joints: Readonly<Record<string, JointState>>;
  readonly tests: readonly TestRecord[];
  readonly acceptance: Acceptance;
  readonly conditions: readonly ConditionRecord[];
  readonly maintenance: readonly MaintenanceEvent[];
  readonly patrols: number;
  readonly decommissioned?: { readonly entry: string; readonly time: number; readonly method: string };
  readonly obligations: readonly Obligation[];
}
