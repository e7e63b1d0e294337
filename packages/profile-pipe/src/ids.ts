/**
 * Object types, primary ids and the alias scheme (pipe-lifecycle.md, "Objects and identifiers").
 *
 * A primary id is `prefix:token`, where the token is the object's alias at registration, e.g.
 * `seg:SZ-WS000123-WS000124#1`. The id is frozen at that moment and never changes: a census that
 * renumbers manholes adds `object.alias` entries with validity periods, and the object keeps its
 * key, its history and every hash link that cites it. The id therefore names the object; the
 * alias in force names it for people.
 */
export const UTILITY_CODES = {
  JS: 'water supply',
  WS: 'sewage',
  YS: 'stormwater',
  RQ: 'gas',
  DL: 'power',
  TX: 'telecom',
  RL: 'heating',
} as const;
export type UtilityCode = keyof typeof UTILITY_CODES;
export const UTILITIES = Object.keys(UTILITY_CODES) as UtilityCode[];

/** Sewers in the sense of the tightness-test rule (GB 50268 §9.1): sewage and stormwater. */
export const SEWER_UTILITIES: readonly UtilityCode[] = ['WS', 'YS'];

const UTILITY = `(?:${UTILITIES.join('|')})`;
const CITY = '[A-Z]{2}';
const NODE = `${UTILITY}\\d{6}`;
const PERMIT = '[0-9A-Z][0-9A-Z-]{5,39}';
const PART = '[A-Za-z0-9][A-Za-z0-9._-]{0,31}';
const SEGMENT = `${CITY}-${NODE}-${NODE}#[1-9]\\d?`;

export const OBJECT_TYPES = {
  project: {
    prefix: 'prj',
    pattern: new RegExp(`^${PERMIT}$`),
    example: '440306201403030101',
    description: 'a construction project, named by its construction permit number',
  },
  segment: {
    prefix: 'seg',
    pattern: new RegExp(`^${SEGMENT}$`),
    example: 'SZ-WS000123-WS000124#1',
    description:
      'a pipe segment between two nodes: city, upstream node, downstream node, parallel-pipe suffix',
  },
  manhole: {
    prefix: 'mh',
    pattern: new RegExp(`^${CITY}-${NODE}$`),
    example: 'SZ-WS000123',
    description: 'a manhole (network node): city, 2-letter utility code and 6-digit sequence',
  },
  joint: {
    prefix: 'jt',
    pattern: new RegExp(`^${SEGMENT}/J\\d{2,3}$`),
    example: 'SZ-WS000123-WS000124#1/J07',
    description: 'a pipe joint, numbered from the upstream node; its records live on the segment',
  },
  lot: {
    prefix: 'lot',
    pattern: new RegExp(`^${PERMIT}/${PART}/${PART}/${PART}/${PART}$`),
    example: '440306201403030101/U1/pipeline/laying/L001',
    description: 'an inspection lot (GB 50300): permit/unit/subdivision/subitem/lot',
  },
} as const;

export type ObjectType = keyof typeof OBJECT_TYPES;
export const OBJECT_TYPE_NAMES = Object.keys(OBJECT_TYPES) as ObjectType[];

const BY_PREFIX = new Map(OBJECT_TYPE_NAMES.map((t) => [OBJECT_TYPES[t].prefix, t]));

export interface ParsedObjectId {
  readonly type: ObjectType;
  /** The registration alias frozen into the id. */
  readonly token: string;
}

export function parseObjectId(id: string): ParsedObjectId | undefined {
  const colon = id.indexOf(':');
  if (colon < 0) return undefined;
  const type = BY_PREFIX.get(id.slice(0, colon) as never);
  const token = id.slice(colon + 1);
  if (type === undefined || !OBJECT_TYPES[type].pattern.test(token)) return undefined;
  return { type, token };
}

export function objectTypeOf(id: string): ObjectType | undefined {
  return parseObjectId(id)?.type;
}

/** The primary id of an object registered under `alias`. */
export function objectId(type: ObjectType, alias: string): string {
  if (!isAlias(type, alias)) throw new RangeError(`"${alias}" is not a ${type} alias`);
  return `${OBJECT_TYPES[type].prefix}:${alias}`;
}

export function isAlias(type: ObjectType, alias: string): boolean {
  return OBJECT_TYPES[type].pattern.test(alias);
}

export interface SegmentAlias {
  readonly city: string;
  readonly utility: UtilityCode;
  readonly upstream: string;
  readonly downstream: string;
  readonly parallel: number;
}

export function parseSegmentAlias(alias: string): SegmentAlias | undefined {
  const m = /^([A-Z]{2})-([A-Z]{2})(\d{6})-([A-Z]{2})(\d{6})#(\d{1,2})$/.exec(alias);
  if (m === null || !isAlias('segment', alias)) return undefined;
  const [, city, u1, n1, u2, n2, parallel] = m as unknown as string[];
  return {
    city: city as string,
    utility: u1 as UtilityCode,
    upstream: `${u1}${n1}`,
    downstream: `${u2}${n2}`,
    parallel: Number(parallel),
  };
}

export function segmentAlias(city: string, upstream: string, downstream: string, parallel = 1): string {
  return `${city}-${upstream}-${downstream}#${parallel}`;
}

/** `jt:{segment alias}/J07`: joints are numbered from the upstream node. */
export function jointId(segment: string, joint: number | string): string {
  const parsed = parseObjectId(segment);
  if (parsed?.type !== 'segment') throw new RangeError(`${segment} is not a segment id`);
  const label = typeof joint === 'number' ? `J${String(joint).padStart(2, '0')}` : joint;
  return objectId('joint', `${parsed.token}/${label}`);
}

export interface LotPath {
  readonly permit: string;
  readonly unit: string;
  readonly subdivision: string;
  readonly subitem: string;
  readonly lot: string;
}

export function parseLotId(id: string): LotPath | undefined {
  const parsed = parseObjectId(id);
  if (parsed?.type !== 'lot') return undefined;
  const [permit, unit, subdivision, subitem, lot] = parsed.token.split('/') as string[];
  return {
    permit: permit as string,
    unit: unit as string,
    subdivision: subdivision as string,
    subitem: subitem as string,
    lot: lot as string,
  };
}

/** Acceptance codes of GB 50300's hierarchy below the unit: `U1/pipeline`, `U1/pipeline/laying`. */
export function subdivisionCode(lot: LotPath): string {
  return `${lot.unit}/${lot.subdivision}`;
}

export function subitemCode(lot: LotPath): string {
  return `${lot.unit}/${lot.subdivision}/${lot.subitem}`;
}

export function lotCode(lot: LotPath): string {
  return `${lot.unit}/${lot.subdivision}/${lot.subitem}/${lot.lot}`;
}
