/** P-TRENCH: the trench bottom is inspected by the five parties before the bedding goes in. */
import { formatRange, overlaps, short } from './helpers.ts';
import type { Rule } from './types.ts';

const INSPECTORS = ['OWN', 'SUR', 'DES', 'PM', 'SE'] as const;

export const trench: Rule = {
  code: 'P-TRENCH',
  title: 'Trench bottom inspected by the five parties before bedding',
  severity: 'error',
  standard: 'GB 50268-2008',
  clause: '§4.3–4.4 (trench bottom inspection, 验槽)',
  explanation:
    'Bedding may be placed only on a trench bottom that owner, survey, design, contractor and supervision inspected and accepted together.',
  onAppend: 'flag',
  onAppendReason:
    'The bedding was placed; the record of it is the evidence that it was placed on an uninspected trench.',
  deadline: false,
  reads: { 'construction.bedding': ['chainage'], 'inspection.trench-bottom': ['chainage', 'conclusion'] },
  kinds: ['construction.bedding'],
  check: ({ trace }, node) => {
    const body = trace.body(node, 'construction.bedding');
    if (body === undefined) return undefined;
    const inspections = trace.ancestors(
      node,
      'inspection.trench-bottom',
      (i, b) => i.entry.object === node.entry.object && overlaps(b.chainage, body.chainage),
    );
    if (inspections.length === 0) {
      return { message: `no inspection.trench-bottom of ${formatRange(body.chainage)} precedes the bedding` };
    }
    const gaps = inspections.map((i) => ({
      node: i,
      rejected: trace.body(i, 'inspection.trench-bottom')?.conclusion !== 'accepted',
      missing: INSPECTORS.filter((role) => !trace.signedBy(i, role, node)),
    }));
    if (gaps.some((g) => !g.rejected && g.missing.length === 0)) return undefined;
    const best = gaps.sort((a, b) => a.missing.length - b.missing.length)[0];
    if (best === undefined) return undefined;
    return {
      message: best.rejected
        ? `the trench-bottom inspection (${short(best.node)}) rejected the trench`
        : `the trench-bottom inspection (${short(best.node)}) lacks ${best.missing.join(', ')} before the bedding`,
      related: [best.node],
    };
  },
};
