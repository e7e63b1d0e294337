/** Primary ids and the alias scheme of each object type. */
import { describe, expect, it } from 'vitest';
import {
  isAlias,
  jointId,
  lotCode,
  OBJECT_TYPE_NAMES,
  OBJECT_TYPES,
  objectId,
  objectTypeOf,
  parseLotId,
  parseObjectId,
  parseSegmentAlias,
  segmentAlias,
  subdivisionCode,
  subitemCode,
} from '../src/index.ts';

describe('object ids and aliases', () => {
  it('every type’s example is an alias of it, and ids round-trip', () => {
    for (const type of OBJECT_TYPE_NAMES) {
      const { example, prefix } = OBJECT_TYPES[type];
      expect(isAlias(type, example)).toBe(true);
      const id = objectId(type, example);
      expect(id).toBe(`${prefix}:${example}`);
      expect(parseObjectId(id)).toEqual({ type, token: example });
      expect(objectTypeOf(id)).toBe(type);
    }
  });

  it('segments: city, upstream node, downstream node, parallel suffix; both nodes of one utility', () => {
    expect(parseSegmentAlias('SZ-WS000123-WS000124#1')).toEqual({
      city: 'SZ',
      utility: 'WS',
      upstream: 'WS000123',
      downstream: 'WS000124',
      parallel: 1,
    });
    expect(segmentAlias('SZ', 'YS000001', 'YS000002', 2)).toBe('SZ-YS000001-YS000002#2');
    for (const bad of [
      'SZ-WS000123-WS000124',
      'SZ-WS00123-WS000124#1',
      'SZ-XX000123-XX000124#1',
      'sz-WS000123-WS000124#1',
      'SZ-WS000123-WS000124#0',
    ]) {
      expect(isAlias('segment', bad), bad).toBe(false);
    }
  });

  it('manholes, joints, projects and lots', () => {
    expect(isAlias('manhole', 'SZ-RQ000001')).toBe(true);
    expect(isAlias('manhole', 'SZ-RQ0001')).toBe(false);
    expect(jointId('seg:SZ-WS000123-WS000124#1', 7)).toBe('jt:SZ-WS000123-WS000124#1/J07');
    expect(jointId('seg:SZ-WS000123-WS000124#1', 'J112')).toBe('jt:SZ-WS000123-WS000124#1/J112');
    expect(() => jointId('mh:SZ-WS000123', 1)).toThrow(RangeError);
    expect(isAlias('project', '440306201403030101')).toBe(true);
    expect(isAlias('project', 'permit 1')).toBe(false);
    const lot = parseLotId('lot:440306201403030101/U1/pipeline/laying/L001');
    expect(lot).toEqual({
      permit: '440306201403030101',
      unit: 'U1',
      subdivision: 'pipeline',
      subitem: 'laying',
      lot: 'L001',
    });
    if (lot === undefined) throw new Error('unreachable');
    expect([lotCode(lot), subitemCode(lot), subdivisionCode(lot)]).toEqual([
      'U1/pipeline/laying/L001',
      'U1/pipeline/laying',
      'U1/pipeline',
    ]);
    expect(parseLotId('lot:440306201403030101/U1/pipeline/laying')).toBeUndefined();
  });

  it('refuses ids of unknown types and malformed tokens', () => {
    expect(parseObjectId('road:G4')).toBeUndefined();
    expect(parseObjectId('seg:whatever')).toBeUndefined();
    expect(parseObjectId('no-colon')).toBeUndefined();
    expect(() => objectId('segment', 'nope')).toThrow(RangeError);
  });
});
