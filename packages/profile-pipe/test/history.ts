/**
 * Small hand-made histories for rule tests: the scenario cast signs real entries on a project
 * and one segment, and the test decides the order.
 */
import { buildEntry, type CborMap, type EntryRef, type SignedEntry, toHex } from '@liuhen/core';
import { appointmentBody, encodeGenesis, networkId, OPERATOR_APPOINTED, ORG_ROLE } from '@liuhen/governance';
import { checkAppend, evaluate, objectId, operatorsFromLog } from '../src/index.ts';
import type { Role } from '../src/roles.ts';
import { type Cast, makeCast } from '../src/scenario/cast.ts';
import { unsealedEntries } from '../src/scenario/readers.ts';
import { Rng } from '../src/scenario/rng.ts';
import { Writer } from '../src/scenario/writer.ts';

export const T0 = Date.UTC(2020, 2, 2, 1, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const PERMIT = '440306202003020101';
export const PROJECT = objectId('project', PERMIT);
export const SEGMENT = objectId('segment', 'SZ-WS000101-WS000102#1');
export const WATER = objectId('segment', 'SZ-JS000301-JS000302#1');

export interface AddOptions {
  readonly refs?: readonly EntryRef[];
  readonly attachments?: Parameters<Writer['write']>[0]['attachments'];
  readonly parents?: readonly Uint8Array[];
  readonly classification?: 'public' | 'internal' | 'restricted';
  readonly witnessDelay?: number;
  readonly inPlain?: boolean;
}

export class History {
  readonly cast: Cast;
  readonly w: Writer;
  readonly network: Uint8Array;

  constructor() {
    this.cast = makeCast('history', T0);
    this.network = networkId(encodeGenesis(this.cast.genesis));
    this.w = new Writer(this.network, new Rng(7), this.cast.orgs);
  }

  get entries(): readonly SignedEntry[] {
    return this.w.entries;
  }

  add(
    handle: string,
    role: Role,
    object: string,
    kind: string,
    time: number,
    body: CborMap,
    o: AddOptions = {},
  ): SignedEntry {
    return this.w.write({
      by: this.cast.person(handle),
      role,
      object,
      kind,
      time,
      body,
      ...(o.refs ? { refs: o.refs } : {}),
      ...(o.attachments ? { attachments: o.attachments } : {}),
      ...(o.parents ? { parents: o.parents } : {}),
      ...(o.classification ? { classification: o.classification } : {}),
      ...(o.witnessDelay === undefined ? {} : { witnessDelay: o.witnessDelay }),
      ...(o.inPlain ? { inPlain: true } : {}),
    });
  }

  attest(target: SignedEntry, handle: string, role: Role, time: number): SignedEntry {
    return this.w.attest(target, this.cast.person(handle), role, time);
  }

  operators() {
    return this.cast.orgs.flatMap((org) =>
      operatorsFromLog(
        this.cast.people
          .filter((p) => p.org === org.id)
          .map((p) =>
            buildEntry({
              network: this.network,
              org: org.id,
              object: `org:${org.id}`,
              kind: OPERATOR_APPOINTED,
              time: T0 - 30 * DAY,
              signer: org.nodeKey,
              role: ORG_ROLE,
              body: appointmentBody({
                operator: p.key,
                name: p.name,
                roles: p.roles,
                licence: p.licence,
                idHash: p.idHash,
                validFrom: p.validFrom,
                validUntil: p.validUntil,
              }),
            }),
          ),
      ),
    );
  }

  /** The entries as `org` reads them with its encryption key (sealed sections opened). */
  unsealed(org = 'owner') {
    return unsealedEntries({ entries: this.entries, orgs: this.cast.orgs }, org);
  }

  /** The whole evaluation; `reader`: an org whose key opens the sealed sections. */
  evaluate(
    asOf = T0 + 400 * DAY,
    options: { operators?: boolean; witnessed?: boolean; reader?: string } = {},
  ) {
    return evaluate({
      entries: options.reader === undefined ? this.entries : this.unsealed(options.reader),
      asOf,
      ...(options.witnessed ? { firstWitnessed: this.w.firstWitnessed } : {}),
      ...(options.operators ? { operators: this.operators() } : {}),
    });
  }

  /** Findings as `CODE@kind` for compact assertions. */
  findings(
    asOf = T0 + 400 * DAY,
    options: { operators?: boolean; witnessed?: boolean; reader?: string } = {},
  ) {
    return this.evaluate(asOf, options).findings;
  }

  codes(asOf?: number, options?: { operators?: boolean; witnessed?: boolean; reader?: string }): string[] {
    return this.findings(asOf, options).map((f) => `${f.code}@${f.kind}`);
  }

  /** Appends `candidate` as a node would, with everything written before it as context. */
  append(candidate: SignedEntry, now = candidate.entry.time + 60_000) {
    const context = this.entries.filter((e) => e !== candidate);
    return checkAppend({ candidate, context, now, operators: this.operators() });
  }
}

export const id = (e: SignedEntry) => toHex(e.id);

/** A project with five leads, a reviewed design, a geotech report and a start order. */
export function startedProject(h: History, options: { skip?: string } = {}) {
  const at = (d: number, hh = 9) => T0 + d * DAY + (hh - 9) * HOUR;
  h.add('own-chen', 'OWN', PROJECT, 'project.registered', at(0), {
    name: 'test works',
    permitNo: PERMIT,
    qsaRegistrationNo: 'QS-1',
    designLifeYears: 50,
    location: 'Shenzhen',
  });
  const leads = [
    ['own-chen', 'OWN', 'owner', 'owner'],
    ['sur-li', 'SUR', 'survey', 'survey'],
    ['des-wang', 'DES', 'design', 'design'],
    ['pm-zhang', 'PM', 'contractor', 'contractor'],
    ['cse-zheng', 'CSE', 'supervision', 'supervision'],
  ] as const;
  for (const [handle, role, party, org] of leads) {
    if (options.skip === party) continue;
    const p = h.cast.person(handle);
    h.add(handle, role, PROJECT, 'party.lead-appointed', at(1), {
      party,
      name: p.name,
      creditCode: h.cast.orgs.find((o) => o.id === org)?.creditCode ?? '',
      licence: p.licence,
      idHash: toHex(p.idHash),
    });
  }
  const geotech = h.add('sur-li', 'SUR', PROJECT, 'survey.geotech-report', at(2), {
    reportNo: 'G-1',
    boreholes: 6,
    groundwaterDepthM: 1.5,
    soilClass: 'silty-clay',
    bearingCapacityKPa: 140,
  });
  const design = (object: string, utility: 'WS' | 'JS') =>
    h.add('des-wang', 'DES', object, 'design.issued', at(3), designBody(utility), {
      refs: [{ object: PROJECT, rel: 'project' }],
      classification: 'restricted',
    });
  const sewer = design(SEGMENT, 'WS');
  const water = design(WATER, 'JS');
  if (options.skip !== 'review') {
    h.add('rev-gao', 'REV', PROJECT, 'design.review-passed', at(5), { certificateNo: 'R-1', scope: 'all' });
  }
  const started = h.add('cse-zheng', 'CSE', PROJECT, 'construction.started', at(7), {
    startOrderNo: 'S-1',
    startAt: at(7),
    plannedCompletionAt: at(100),
  });
  return { geotech, sewer, water, started, at };
}

export function designBody(utility: 'WS' | 'JS', extra: CborMap = {}): CborMap {
  const water = utility === 'JS';
  return {
    utility,
    flow: water ? 'pressure' : 'gravity',
    upstreamNode: water ? 'JS000301' : 'WS000101',
    downstreamNode: water ? 'JS000302' : 'WS000102',
    lengthM: 48,
    dnMm: water ? 300 : 500,
    material: water ? 'ductile-iron' : 'hdpe',
    ...(water ? {} : { ringStiffnessKNPerM2: 8 }),
    upstreamInvertM: 3.4,
    downstreamInvertM: 3.26,
    slopePermille: 3,
    jointType: 'rubber-ring',
    pieceLengthM: 6,
    designPressureMPa: water ? 0.4 : 0,
    designLifeYears: 50,
    ...extra,
  };
}

export const photo = (h: History, name = 'photo.jpg') => h.w.file(name, 'image/jpeg', name);

/** A sewer segment built to the point before covering: trench, bottom, bedding, pipes, joints. */
export function laidSewer(h: History, options: { joints?: number[]; attestTrench?: string[] } = {}) {
  const { started, geotech, at } = startedProject(h);
  h.add(
    'qi-wu',
    'QI',
    SEGMENT,
    'construction.trench-excavated',
    at(10),
    { chainage: [0, 48], widthM: 1.4, bottomDeviationMm: -5 },
    { refs: [{ entry: started.id, rel: 'start-order' }] },
  );
  const bottom = h.add(
    'se-feng',
    'SE',
    SEGMENT,
    'inspection.trench-bottom',
    at(11),
    {
      chainage: [0, 48],
      soilClass: 'silty-clay',
      matchesReport: true,
      treatment: 'none',
      conclusion: 'accepted',
    },
    { refs: [{ entry: geotech.id, rel: 'geotech' }] },
  );
  const attesting = options.attestTrench ?? ['own-chen:OWN', 'sur-li:SUR', 'des-wang:DES', 'pm-zhang:PM'];
  for (const a of attesting) {
    const [handle, role] = a.split(':') as [string, never];
    h.attest(bottom, handle, role, at(11, 10));
  }
  const bedding = h.add('qi-wu', 'QI', SEGMENT, 'construction.bedding', at(11, 15), {
    chainage: [0, 48],
    type: 'sand',
    thicknessMm: 150,
    compactionPct: 93,
  });
  const batch = h.add('se-feng', 'SE', PROJECT, 'material.batch-accepted', at(8), {
    batchNo: 'B1',
    maker: 'maker',
    material: 'hdpe',
    dnMm: 500,
    pipeClass: 'SN8',
    quantityPieces: 10,
    totalLengthM: 60,
    certificateNo: 'C1',
    samplingRequired: false,
    conclusion: 'accepted',
  });
  const laid = h.add(
    'qi-wu',
    'QI',
    SEGMENT,
    'construction.pipe-laid',
    at(12),
    { chainage: [0, 48], batch: 'B1', dnMm: 500, axisOffsetMm: 5, invertDeviationMm: -3, stepMm: 1 },
    { refs: [{ entry: batch.id, rel: 'batch' }] },
  );
  const joints = (options.joints ?? [6, 12, 18, 24, 30, 36, 42]).map((x, k) =>
    h.add('qi-wu', 'QI', SEGMENT, 'construction.joint-made', at(12, 10) + k * 600_000, {
      joint: `J${String(k + 1).padStart(2, '0')}`,
      chainage: [x, x],
      type: 'rubber-ring',
      gasketChecked: true,
    }),
  );
  return { at, bottom, bedding, batch, laid, joints, started };
}

export function accept(
  h: History,
  time: number,
  chainage: [number, number],
  options: { photo?: boolean; by?: string; capturedAt?: number } = {},
) {
  const files = options.photo === false ? [] : [photo(h)];
  return h.add(
    options.by ?? 'se-feng',
    'SE',
    SEGMENT,
    'inspection.hidden-works-accepted',
    time,
    {
      scope: 'joints',
      chainage,
      items: [
        { item: 'invert', designValue: 3.4, measuredValue: 3.41, deviation: 0.01, unit: 'm', pass: true },
      ],
      passRatePct: 100,
      conclusion: 'accepted',
      evidence: files.map((f) => ({
        attachment: toHex(f.sha256),
        capturedAt: options.capturedAt ?? time - HOUR,
        latDeg: 22.5,
        lonDeg: 114,
      })),
    },
    { attachments: files },
  );
}

export function layer(
  h: History,
  object: string,
  time: number,
  n: number,
  zone: string,
  extra: Record<string, unknown> = {},
) {
  return h.add('qi-wu', 'QI', object, 'construction.backfill-layer', time, {
    chainage: [0, 48],
    layer: n,
    zone,
    liftMm: 200,
    compactionPct: 94,
    material: 'sand',
    ...extra,
  } as never);
}
