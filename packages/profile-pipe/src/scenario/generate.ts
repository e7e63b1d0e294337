/**
 * The scenario generator: a realistic municipal project — N segments of sewage, stormwater and
 * water main with their joints, manholes and inspection lots — from registration through
 * construction, acceptance and decades of operation, as real signed entries. A switch plants any
 * chosen rule violation; presets replay the five incident reviews of the domain document.
 */
import { buildEntry, type OperatorIdentity, type SignedEntry, signEntry } from '@liuhen/core';
import {
  appointmentBody,
  encodeGenesis,
  type Genesis,
  networkId,
  OPERATOR_APPOINTED,
  ORG_ROLE,
} from '@liuhen/governance';
import { objectId, segmentAlias, type UtilityCode } from '../ids.ts';
import { operatorsFromLog } from '../operators.ts';
import { accept, buildManhole } from './acceptance.ts';
import { type Cast, type CastOrg, makeCast, type Person, YEAR } from './cast.ts';
import { PLANTS, type PlantCode, PRESETS, type PresetName } from './catalogue.ts';
import { buildSegment } from './construction.ts';
import { operate } from './operation.ts';
import {
  type Build,
  cstMidnight,
  DAY,
  type ExpectedFinding,
  type ManholePlan,
  type SegmentPlan,
} from './plan.ts';
import { PIPES, prepare } from './preparation.ts';
import { Rng, seedNumber } from './rng.ts';
import { Writer } from './writer.ts';

export interface ScenarioOptions {
  /** Everything derives from it: keys, values, ids. Default `liuhen`. */
  readonly seed?: string | number;
  /** Pipe segments, 3 to 300 (sewage, stormwater and water main in turn). Default 6. */
  readonly segments?: number;
  /** Years simulated after the start. Default 25. */
  readonly years?: number;
  /** Registration time, ms. Default 2000-03-06 09:00 CST, so 25 years end in the past. */
  readonly start?: number;
  /** Two-letter city code. Default `SZ`. */
  readonly city?: string;
  /** Patrols per segment and year (manholes get half). Default 4. */
  readonly patrolsPerYear?: number;
  /** Violations to plant; each yields exactly one finding of its code. */
  readonly plant?: readonly PlantCode[];
  /** One of the domain document's incident-review scenarios. */
  readonly preset?: PresetName;
}

export interface Scenario {
  readonly options: Required<Omit<ScenarioOptions, 'preset'>> & { readonly preset?: PresetName };
  readonly genesis: Genesis;
  readonly genesisBytes: Uint8Array;
  readonly network: Uint8Array;
  readonly orgs: readonly CastOrg[];
  readonly people: readonly Person[];
  /** `org.operator-appointed` entries, per org in log order; they go first in each org's log. */
  readonly appointments: readonly SignedEntry[];
  /** The operator identities the appointments establish. */
  readonly operators: readonly OperatorIdentity[];
  /** Profile entries in a causal order (every parent and cited entry before its child). */
  readonly entries: readonly SignedEntry[];
  /** Attachment bytes by SHA-256 (hex). */
  readonly blobs: ReadonlyMap<string, Uint8Array>;
  /** Simulated first-witnessed time per entry id (hex), ms. */
  readonly firstWitnessed: ReadonlyMap<string, number>;
  /** The end of the simulated period: evaluate deadlines as of this time. */
  readonly asOf: number;
  readonly project: string;
  readonly segments: readonly string[];
  readonly manholes: readonly string[];
  readonly lots: readonly string[];
  /** The findings the plants and the preset must produce, and nothing else. */
  readonly expected: readonly ExpectedFinding[];
}

const DEFAULT_START = Date.UTC(2000, 2, 6, 1, 0);
const UTILITY_CYCLE: readonly UtilityCode[] = ['WS', 'YS', 'JS'];
/** Node numbering starts per utility, so the three networks' numbers never meet. */
const FIRST_NODE: Record<string, number> = { WS: 101, YS: 201, JS: 301 };

function requirements(o: Scenario['options']): void {
  if (!Number.isInteger(o.segments) || o.segments < 3)
    throw new RangeError('segments must be an integer ≥ 3');
  if (!(o.years >= 1)) throw new RangeError('years must be ≥ 1');
  if (!/^[A-Z]{2}$/.test(o.city)) throw new RangeError('city must be two capital letters');
  for (const code of o.plant) if (!(code in PLANTS)) throw new RangeError(`no plant for ${code}`);
  const needs: [boolean, string][] = [
    [
      (o.plant.includes('P-REHAB') || o.plant.includes('P-CLASS-IV')) && o.years < 22,
      'P-REHAB and P-CLASS-IV need ≥ 22 years',
    ],
    [o.plant.includes('P-COVERS') && o.years < 6, 'P-COVERS needs ≥ 6 years'],
    [
      o.preset === 'falsified-pressure-test' && o.segments < 6,
      'falsified-pressure-test needs ≥ 6 segments (two water mains)',
    ],
    [o.preset === 'road-collapse' && o.years < 9, 'road-collapse needs ≥ 9 years'],
    [o.preset === 'joint-leak' && o.years < 4, 'joint-leak needs ≥ 4 years'],
    [o.preset === 'falsified-pressure-test' && o.years < 5, 'falsified-pressure-test needs ≥ 5 years'],
    [o.preset === 'material-swap' && o.years < 10, 'material-swap needs ≥ 10 years'],
    [
      o.preset === 'live-decommissioned-strike' && o.years < 21,
      'live-decommissioned-strike needs ≥ 21 years',
    ],
  ];
  for (const [fails, why] of needs) if (fails) throw new RangeError(why);
}

function segmentPlans(b: Omit<Build, 'segments' | 'manholes'>, count: number, rng: Rng): SegmentPlan[] {
  const next = { ...FIRST_NODE };
  return Array.from({ length: count }, (_, index) => {
    const utility = UTILITY_CYCLE[index % 3] as 'WS' | 'YS' | 'JS';
    const pipe = PIPES[utility];
    const n = next[utility] as number;
    next[utility] = n + 1;
    const node = (k: number) => `${utility}${String(k).padStart(6, '0')}`;
    const alias = segmentAlias(b.city, node(n), node(n + 1));
    const jointLeak = b.preset === 'joint-leak' && index === 2;
    const pieces = jointLeak ? 9 : utility === 'YS' ? rng.int(16, 22) : rng.int(7, 10);
    return {
      index,
      id: objectId('segment', alias),
      alias,
      utility,
      flow: utility === 'JS' ? 'pressure' : 'gravity',
      material: b.preset === 'material-swap' && index === 1 ? 'hdpe' : pipe.material,
      dnMm: pipe.dnMm,
      pieceLengthM: pipe.piece,
      pieces,
      lengthM: Math.round(pipe.piece * pieces * 100) / 100,
      upstream: node(n),
      downstream: node(n + 1),
      unit: `U${Math.floor(index / 20) + 1}`,
      start: b.day0 + (22 + index * 2) * DAY,
      records: new Map(),
    };
  });
}

function manholePlans(b: Build): ManholePlan[] {
  const byNode = new Map<string, SegmentPlan[]>();
  for (const s of b.segments) {
    for (const node of [s.upstream, s.downstream]) byNode.set(node, [...(byNode.get(node) ?? []), s]);
  }
  return [...byNode].map(([node, segments]) => ({
    id: objectId('manhole', `${b.city}-${node}`),
    node,
    unit: (segments[0] as SegmentPlan).unit,
    segments,
    records: new Map(),
  }));
}

function appointments(cast: Cast, network: Uint8Array, time: number): SignedEntry[] {
  const out: SignedEntry[] = [];
  for (const org of cast.orgs) {
    for (const p of cast.people.filter((x) => x.org === org.id)) {
      const entry = buildEntry({
        network,
        org: org.id,
        object: `org:${org.id}`,
        kind: OPERATOR_APPOINTED,
        time,
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
        parents: out
          .filter((e) => e.entry.org === org.id)
          .slice(-1)
          .map((e) => e.id),
      });
      out.push(signEntry(entry, org.nodeSeed));
    }
  }
  return out;
}

export function generateScenario(options: ScenarioOptions = {}): Scenario {
  const o = {
    seed: options.seed ?? 'liuhen',
    segments: options.segments ?? 6,
    years: options.years ?? 25,
    start: options.start ?? DEFAULT_START,
    city: options.city ?? 'SZ',
    patrolsPerYear: options.patrolsPerYear ?? 4,
    plant: options.plant ?? [],
    ...(options.preset === undefined ? {} : { preset: options.preset }),
  };
  requirements(o);
  const rng = new Rng(seedNumber(o.seed));
  const cast = makeCast(String(o.seed), o.start);
  const genesisBytes = encodeGenesis(cast.genesis);
  const network = networkId(genesisBytes);
  const day0 = cstMidnight(o.start);
  const yearOf = new Date(o.start + 8 * 3_600_000);
  const permit = `440306${yearOf.toISOString().slice(0, 10).replaceAll('-', '')}0101`;
  const partial = {
    rng,
    w: new Writer(network, rng, cast.orgs),
    cast,
    city: o.city,
    permit,
    project: objectId('project', permit),
    day0,
    years: o.years,
    asOf: o.start + Math.round(o.years * YEAR),
    patrolsPerYear: o.patrolsPerYear,
    lots: [] as string[],
    records: new Map<string, SignedEntry>(),
    expected: [] as ExpectedFinding[],
    plant: new Set(o.plant),
    preset: o.preset,
  };
  const segments = segmentPlans(partial, o.segments, rng);
  const b: Build = { ...partial, segments, manholes: [] };
  b.manholes.push(...manholePlans(b));
  prepare(b);
  for (const seg of b.segments) buildSegment(b, seg);
  for (const mh of b.manholes) buildManhole(b, mh);
  accept(b);
  operate(b);
  const appointed = appointments(cast, network, cast.genesis.created + DAY);
  return {
    options: o,
    genesis: cast.genesis,
    genesisBytes,
    network,
    orgs: cast.orgs,
    people: cast.people,
    appointments: appointed,
    operators: cast.orgs.flatMap((org) =>
      operatorsFromLog(appointed.filter((e) => e.entry.org === org.id).map((e) => e.entry)),
    ),
    entries: b.w.entries,
    blobs: b.w.blobs,
    firstWitnessed: b.w.firstWitnessed,
    asOf: b.asOf,
    project: b.project,
    segments: segments.map((s) => s.id),
    manholes: b.manholes.map((m) => m.id),
    lots: b.lots,
    expected: b.expected,
  };
}

/** One of the five incident-review scenarios of the domain document. */
export function incidentScenario(
  preset: PresetName,
  options: Omit<ScenarioOptions, 'preset'> = {},
): Scenario {
  return generateScenario({ ...options, preset });
}

export { PRESETS };
