/**
 * P-TEST-CONDITIONS: a pressure test counts only if made at least an hour after the last joint,
 * with a calibrated gauge of class 1.5 or better, witnessed by the supervision engineer; over
 * 1 km it departs from good practice. Raw readings identical to another test's are reported:
 * reused readings are how a test that never happened is recorded.
 */
import type { TraceNode } from '../trace-view.ts';
import { combine, HOUR, iso, MINUTE, short, within } from './helpers.ts';
import type { Rule, Violation } from './types.ts';

const MAX_GAUGE_CLASS = 1.5;
const MAX_LENGTH_M = 1_000;

function sameReadings(a: readonly { atMin: number; pressureMPa: number }[], b: typeof a): boolean {
  return (
    a.length >= 3 &&
    a.length === b.length &&
    a.every((r, i) => r.atMin === b[i]?.atMin && r.pressureMPa === b[i]?.pressureMPa)
  );
}

export const testConditions: Rule = {
  code: 'P-TEST-CONDITIONS',
  title: 'Pressure-test conditions',
  severity: 'error',
  standard: 'GB 50268-2008',
  clause: '§9.1 (test sections, ≤ 1 km) and §9.2 (hydrostatic test, gauge)',
  explanation:
    'The pressure test is at least 1 h after the last joint, with a gauge of accuracy class ≤ 1.5 calibrated on the test date, witnessed by the supervision engineer; test lengths over 1 km are poor practice.',
  onAppend: 'flag',
  onAppendReason:
    'The test was run and its record is evidence either way; a test under bad conditions does not count, and the flag says so, but hiding the record would hide a possibly falsified test.',
  deadline: false,
  reads: {
    'test.pressure': [
      'chainage',
      'gaugeId',
      'gaugeAccuracyClass',
      'gaugeCalibratedAt',
      'gaugeCalibrationExpiresAt',
      'lengthM',
      'readings',
    ],
    'construction.joint-made': ['chainage'],
  },
  kinds: ['test.pressure'],
  check: ({ trace, mode }, node) => {
    const body = trace.body(node, 'test.pressure');
    if (body === undefined) return undefined;
    const parts: (Violation | undefined)[] = [];
    const joints = trace.ancestors(
      node,
      'construction.joint-made',
      (j, b) => j.entry.object === node.entry.object && within(b.chainage[0], body.chainage),
    );
    const last = joints.sort((a, b) => b.entry.time - a.entry.time)[0];
    if (last !== undefined && node.entry.time < last.entry.time + HOUR) {
      parts.push({
        message: `tested ${Math.round((node.entry.time - last.entry.time) / MINUTE)} min after the last joint (${short(last)}); at least 60 min are required`,
        related: [last],
      });
    }
    if (body.gaugeAccuracyClass > MAX_GAUGE_CLASS) {
      parts.push({
        message: `gauge ${body.gaugeId} is of accuracy class ${body.gaugeAccuracyClass}; class ≤ ${MAX_GAUGE_CLASS} is required`,
      });
    }
    if (node.entry.time < body.gaugeCalibratedAt || node.entry.time > body.gaugeCalibrationExpiresAt) {
      parts.push({
        message: `gauge ${body.gaugeId} calibration (${iso(body.gaugeCalibratedAt)} to ${iso(body.gaugeCalibrationExpiresAt)}) is not valid on the test date ${iso(node.entry.time)}`,
      });
    }
    if (mode === 'evaluate' && !trace.signedBy(node, 'SE')) {
      parts.push({ message: 'no supervision engineer (SE) witnessed the test' });
    }
    if (body.lengthM > MAX_LENGTH_M) {
      parts.push({ message: `test length ${body.lengthM} m exceeds ${MAX_LENGTH_M} m`, severity: 'warning' });
    }
    const copied = trace.ofKind('test.pressure').find((o: TraceNode) => {
      const other = o.index < node.index ? trace.body(o, 'test.pressure') : undefined;
      return other !== undefined && sameReadings(other.readings, body.readings);
    });
    if (copied !== undefined) {
      parts.push({
        message: `raw readings are identical to those of ${short(copied)} on ${copied.entry.object}`,
        related: [copied],
      });
    }
    return combine(parts);
  },
};
