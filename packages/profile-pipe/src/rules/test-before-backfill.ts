/**
 * P-TEST-BEFORE-BACKFILL: gravity pipes are tightness-tested before backfill above the crown;
 * pressure pipes get only body backfill, joints exposed, before the pressure test.
 */
import { designInForce, formatRange, overlaps } from './helpers.ts';
import type { Rule } from './types.ts';

export const testBeforeBackfill: Rule = {
  code: 'P-TEST-BEFORE-BACKFILL',
  title: 'Function test before backfill above the pipe',
  severity: 'error',
  standard: 'GB 50268-2008',
  clause: '§4.5 (backfill of pipes under test)',
  explanation:
    'A gravity pipe needs a passed test.closed-water before any backfill from the crown up; a pressure pipe may receive only body backfill, joints exposed, before a passed test.pressure.',
  onAppend: 'flag',
  onAppendReason: 'The backfill is placed; the record shows the untested pipe was buried.',
  deadline: false,
  reads: {
    'construction.backfill-layer': ['chainage', 'layer', 'zone', 'jointsExposed'],
    'design.issued': ['flow'],
    'design.revised': ['flow'],
    'test.closed-water': ['chainage', 'pass'],
    'test.pressure': ['chainage', 'pass'],
  },
  kinds: ['construction.backfill-layer'],
  check: ({ trace }, node) => {
    const body = trace.body(node, 'construction.backfill-layer');
    if (body === undefined) return undefined;
    const design = designInForce(trace, node);
    if (design === undefined) return { unchecked: 'no design in force: gravity or pressure pipe is unknown' };
    const tested = (kind: 'test.closed-water' | 'test.pressure') =>
      trace.ancestors(
        node,
        kind,
        (t, b) => t.entry.object === node.entry.object && b.pass && overlaps(b.chainage, body.chainage),
      ).length > 0;
    const where = `${formatRange(body.chainage)}, layer ${body.layer} (${body.zone})`;
    if (design.body.flow === 'gravity') {
      if ((body.zone === 'crown' || body.zone === 'upper') && !tested('test.closed-water')) {
        return {
          message: `backfill above the crown at ${where} before a passed test.closed-water`,
          related: [design.node],
        };
      }
      return undefined;
    }
    if (tested('test.pressure')) return undefined;
    if (body.zone === 'upper') {
      return {
        message: `backfill above the pipe body at ${where} before a passed test.pressure`,
        related: [design.node],
      };
    }
    if (body.jointsExposed !== true) {
      return {
        message: `body backfill at ${where} before the pressure test does not leave the joints exposed`,
      };
    }
    return undefined;
  },
};
