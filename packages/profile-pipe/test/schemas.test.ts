/**
 * Every kind's schema accepts a realistic body and refuses wrong types, units, ranges, values
 * and missing fields with a message that names the field, and for quantities its unit and range.
 */
import type { CborMap } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import {
  checkBody,
  isPipeProfileError,
  KIND_DESCRIPTORS,
  KIND_NAMES,
  parseBody,
  UNITS,
} from '../src/index.ts';
import { unitLabel } from '../src/units.ts';
import { examples } from './examples.ts';

const EX = examples();

function issues(kind: string, body: CborMap, sealed = false) {
  const result = checkBody(kind, body, { sealed });
  return result.ok ? [] : result.issues;
}

function unitSuffix(unit: string | undefined): string {
  return unit === undefined ? '' : ((UNITS as Record<string, { suffix: string }>)[unit]?.suffix ?? '');
}

describe('every kind', () => {
  it('has a realistic example and documents every field', () => {
    expect(KIND_NAMES.length).toBeGreaterThanOrEqual(44);
    for (const k of KIND_DESCRIPTORS) {
      for (const f of k.fields) expect(f.description, `${k.kind} ${f.path}`).not.toBe('');
    }
  });

  for (const kind of KIND_NAMES) {
    describe(kind, () => {
      const body = EX.get(kind) as CborMap;
      const fields = (KIND_DESCRIPTORS.find((k) => k.kind === kind)?.fields ?? []).filter(
        (f) => !f.path.includes('.') && !f.path.includes('[') && f.path in body,
      );

      it('accepts a realistic body', () => {
        expect(issues(kind, body)).toEqual([]);
      });

      it('names every missing required field', () => {
        for (const f of fields.filter((x) => x.required)) {
          const { [f.path]: _, ...rest } = body;
          const found = issues(kind, rest as CborMap);
          const issue = found.find((i) => i.field === `body.${f.path}`);
          expect(issue?.message, `${kind}.${f.path}`).toMatch(
            new RegExp(`^body\\.${f.path}: missing; expected`),
          );
          if (f.unit !== undefined) expect(issue?.message).toContain(unitLabel(f.unit));
        }
      });

      it('names the field, type and unit for a value of the wrong type', () => {
        for (const f of fields) {
          const wrong = f.type === 'text' || f.type === 'enum' ? 42 : 'not right';
          const issue = issues(kind, { ...body, [f.path]: wrong }).find((i) => i.field === `body.${f.path}`);
          expect(issue?.message, `${kind}.${f.path}`).toMatch(new RegExp(`^body\\.${f.path}: expected `));
          if (f.unit !== undefined && f.unit !== 'count') expect(issue?.message).toContain(unitLabel(f.unit));
          if (f.type === 'enum') expect(issue?.message).toContain(`expected one of ${f.values?.join(', ')}`);
          if (f.type === 'boolean') expect(issue?.message).toContain('true or false');
        }
      });

      it('names the field, range and unit for a value out of range', () => {
        for (const f of fields.filter(
          (x) => (x.type === 'number' || x.type === 'integer') && x.max !== undefined,
        )) {
          const max = f.max as number;
          const issue = issues(kind, { ...body, [f.path]: max + Math.max(1, Math.abs(max)) }).find(
            (i) => i.field === `body.${f.path}`,
          );
          expect(issue?.message, `${kind}.${f.path}`).toMatch(
            new RegExp(`^body\\.${f.path}: .* is out of range; expected`),
          );
          const unit = f.unit === undefined || f.unit === 'count' || f.unit === 'ms' ? '' : ` ${f.unit}`;
          expect(issue?.message).toContain(`${f.min}${unit} to ${max}${unit}`);
        }
        for (const f of fields.filter(
          (x) => (x.type === 'number' || x.type === 'integer') && x.min !== undefined,
        )) {
          const issue = issues(kind, { ...body, [f.path]: (f.min as number) - 1 }).find(
            (i) => i.field === `body.${f.path}`,
          );
          expect(issue?.message, `${kind}.${f.path}`).toMatch(/is out of range/);
        }
      });

      it('points a quantity given under another unit’s name to the right name and unit', () => {
        for (const f of fields.filter(
          (x) => unitSuffix(x.unit) !== '' && x.path.endsWith(unitSuffix(x.unit)),
        )) {
          const suffix = unitSuffix(f.unit);
          const stem = f.path.slice(0, -suffix.length);
          const other = `${stem}${suffix === 'Mm' ? 'M' : 'Mm'}`;
          const { [f.path]: value, ...rest } = body;
          const found = issues(kind, { ...rest, [other]: value } as CborMap);
          const issue = found.find((i) => i.field === `body.${other}`);
          expect(issue?.message, `${kind}.${f.path}`).toBe(
            `body.${other}: unknown field; this quantity is recorded as ${f.path}, in ${unitLabel(f.unit as string)}`,
          );
          if (f.required) expect(found.some((i) => i.field === `body.${f.path}`)).toBe(true);
        }
      });

      it('refuses a field the kind does not have', () => {
        const found = issues(kind, { ...body, surpriseField: 1 });
        expect(found.map((i) => i.message)).toContain('body.surpriseField: unknown field');
      });
    });
  }
});

describe('nested fields, cross-field checks and sealing', () => {
  it('names nested fields with their index', () => {
    const body = EX.get('om.condition-assessment') as CborMap;
    const defects = [{ code: 'TJ', grade: 5, distanceM: 24, clock: '0408', lengthM: 0 }];
    expect(issues('om.condition-assessment', { ...body, defects }).map((i) => i.message)).toEqual([
      'body.defects[0].grade: 5 is out of range; expected a whole number, 1 to 4 (defect grade 1 (slight) to 4 (serious))',
    ]);
    const chainage = issues('construction.bedding', {
      ...(EX.get('construction.bedding') as CborMap),
      chainage: [0, 6000],
    });
    expect(chainage.map((i) => i.message)).toEqual([
      'body.chainage[1]: 6000 m is out of range; expected a number in metres (m), 0 m to 5000 m (metres from the upstream node)',
    ]);
  });

  it('checks fields against each other', () => {
    const test = EX.get('test.pressure') as CborMap;
    expect(issues('test.pressure', { ...test, testPressureMPa: 0.2 }).map((i) => i.field)).toEqual([
      'body.testPressureMPa',
    ]);
    const sample = EX.get('material.sample-tested') as CborMap;
    expect(issues('material.sample-tested', { ...sample, unit: 'MPa' }).map((i) => i.message)).toEqual([
      `body.unit: ${sample.property} is measured in ${sample.property === 'ring-stiffness' ? 'kN/m2' : 'kN/m'}, not MPa`,
    ]);
    const accepted = EX.get('inspection.hidden-works-accepted') as CborMap & { items: CborMap[] };
    const items = [{ ...(accepted.items[0] as CborMap), deviation: 1 }];
    expect(issues('inspection.hidden-works-accepted', { ...accepted, items }).map((i) => i.field)).toEqual([
      'body.items[0].deviation',
    ]);
    expect(
      issues('construction.joint-made', { joint: 'J01', chainage: [6, 6], type: 'butt-fusion' }).map(
        (i) => i.field,
      ),
    ).toEqual(['body.fusionTemperatureC', 'body.coolingMin']);
    const design = EX.get('design.issued') as CborMap;
    expect(
      issues('design.issued', { ...design, flow: 'pressure', designPressureMPa: 0 }).map((i) => i.field),
    ).toEqual(['body.designPressureMPa']);
  });

  it('lets restricted fields travel sealed, and only then be absent', () => {
    const { upstreamInvertM: _, downstreamInvertM: __, ...open } = EX.get('design.issued') as CborMap;
    expect(issues('design.issued', open).map((i) => i.field)).toEqual([
      'body.upstreamInvertM',
      'body.downstreamInvertM',
    ]);
    expect(issues('design.issued', open, true)).toEqual([]);
  });

  it('parseBody returns the body or throws PIPE_BODY_INVALID naming the field', () => {
    const body = EX.get('construction.bedding') as CborMap;
    expect(parseBody('construction.bedding', body)).toBe(body);
    try {
      parseBody('construction.bedding', { ...body, compactionPct: 120 });
      expect.unreachable();
    } catch (error) {
      expect(isPipeProfileError(error, 'PIPE_BODY_INVALID')).toBe(true);
      expect((error as { field: string }).field).toBe('body.compactionPct');
      expect((error as Error).message).toMatch(
        /^PIPE_BODY_INVALID: construction.bedding body.compactionPct: 120 % is out of range/,
      );
    }
  });

  it('unknown kinds have no schema', () => {
    expect(checkBody('construction.teleported', {})).toEqual({
      ok: false,
      issues: [{ field: 'kind', message: 'unknown kind construction.teleported' }],
    });
  });
});
