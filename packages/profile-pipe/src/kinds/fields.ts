/**
 * Field builders for body schemas. Every field carries a description and, for quantities, its
 * unit and range as schema metadata, so one definition drives validation, the error messages
 * (which name the field, its type, unit and range) and the generated catalogue in docs/rules.md.
 */
import { z } from 'zod';
import type { Unit } from '../units.ts';

export type Classification = 'public' | 'internal' | 'restricted';

/** Printable text: no control characters and no lone surrogates. */
const PRINTABLE = /^[^\p{Cc}\p{Cs}]*$/u;
/** Chainages are metres from the upstream node; no segment between two nodes is longer. */
export const MAX_CHAINAGE_M = 5_000;
/** Instants are ms since the epoch, up to the year 9999. */
const MAX_INSTANT = 253_402_300_799_999;

interface Options {
  readonly classification?: Classification;
}

function extra(options: Options): { classification?: Classification } {
  return options.classification === undefined ? {} : { classification: options.classification };
}

/** A measured or designed value in `unit`, between `min` and `max` inclusive. */
export function quantity(unit: Unit, min: number, max: number, description: string, options: Options = {}) {
  return z
    .number()
    .min(min)
    .max(max)
    .meta({ unit, description, ...extra(options) });
}

/** A whole number of `unit`. */
export function whole(unit: Unit, min: number, max: number, description: string, options: Options = {}) {
  return z
    .int()
    .min(min)
    .max(max)
    .meta({ unit, description, ...extra(options) });
}

export function count(min: number, max: number, description: string) {
  return z.int().min(min).max(max).meta({ unit: 'count', description });
}

/** A point in time, ms since the Unix epoch (UTC). */
export function instant(description: string) {
  return z.int().min(0).max(MAX_INSTANT).meta({ unit: 'ms', description });
}

export function text(description: string, max = 256, options: Options = {}) {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(PRINTABLE)
    .meta({ description, ...extra(options) });
}

/** Text in a fixed format, e.g. a joint number `J07`. */
export function code(pattern: RegExp, format: string, description: string, options: Options = {}) {
  return z
    .string()
    .regex(pattern)
    .meta({ description, format, ...extra(options) });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z.enum(values).meta({ description });
}

export function flag(description: string) {
  return z.boolean().meta({ description });
}

export function list<T extends z.ZodType>(item: T, min: number, max: number, description: string) {
  return z.array(item).min(min).max(max).meta({ description });
}

export function sha256Hex(description: string, options: Options = {}) {
  return z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .meta({ description, format: '64 lower-case hex digits', ...extra(options) });
}

/** `[from, to]` in metres from the upstream node, from ≤ to; a point is `[x, x]`. */
export function chainage(description = 'chainage range [from, to], metres from the upstream node') {
  const metres = z
    .number()
    .min(0)
    .max(MAX_CHAINAGE_M)
    .meta({ unit: 'm', description: 'metres from the upstream node' });
  return z
    .tuple([metres, metres])
    .refine(([from, to]) => from <= to, { message: 'from must not be greater than to' })
    .meta({ unit: 'm', description, format: '[from, to]' });
}

export const JOINT_NO = /^J\d{2,3}$/;
export const PARTY_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export function jointNo(description = 'joint number, counted from the upstream node, e.g. J07') {
  return code(JOINT_NO, 'J followed by 2–3 digits', description);
}

/** CJJ 181-2012 defect codes. */
export const STRUCTURAL_DEFECTS = ['PL', 'BX', 'FS', 'CK', 'QF', 'TJ', 'TL', 'AJ', 'CR', 'SL'] as const;
export const FUNCTIONAL_DEFECTS = ['CJ', 'JG', 'ZW', 'CQ', 'SG', 'FZ'] as const;
export const DEFECT_CODES = [...STRUCTURAL_DEFECTS, ...FUNCTIONAL_DEFECTS] as const;
export const CONDITION_CLASSES = ['I', 'II', 'III', 'IV'] as const;

/** One CCTV defect as CJJ 181-2012 records it. */
export const defect = z.strictObject({
  code: oneOf(
    DEFECT_CODES as unknown as [string, ...string[]],
    'CJJ 181 defect code: structural PL BX FS CK QF TJ TL AJ CR SL, functional CJ JG ZW CQ SG FZ',
  ),
  grade: whole('count', 1, 4, 'defect grade 1 (slight) to 4 (serious)'),
  distanceM: quantity('m', 0, MAX_CHAINAGE_M, 'distance from the upstream node'),
  clock: code(
    /^(0[1-9]|1[0-2])(0[1-9]|1[0-2])?$/,
    'hh or hhhh',
    'clock position of the defect, e.g. 03 or 0309 (from 3 to 9 o’clock)',
  ),
  lengthM: quantity('m', 0, 500, 'longitudinal length of the defect; 0 for a point defect'),
});

export const MATERIALS = [
  'concrete',
  'reinforced-concrete',
  'hdpe',
  'pvc-u',
  'ductile-iron',
  'steel',
  'grp',
  'vitrified-clay',
] as const;

export const JOINT_TYPES = [
  'rubber-ring',
  'socket-spigot',
  'electrofusion',
  'butt-fusion',
  'flanged',
  'welded',
  'mortar',
] as const;

export function utility() {
  return oneOf(
    ['JS', 'WS', 'YS', 'RQ', 'DL', 'TX', 'RL'],
    'utility code: JS water supply, WS sewage, YS stormwater, RQ gas, DL power, TX telecom, RL heating',
  );
}
