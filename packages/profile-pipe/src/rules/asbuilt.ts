/** P-ASBUILT: the as-built survey is made before the trench is finally closed. */
import { formatRange, overlaps } from './helpers.ts';
import type { Rule } from './types.ts';

export const asBuilt: Rule = {
  code: 'P-ASBUILT',
  title: 'As-built survey before the final backfill',
  severity: 'error',
  standard: 'Ministry of Construction Order 136 (underground pipeline archives)',
  clause: 'as-built survey before covering (覆土前竣工测量)',
  explanation: 'The final backfill layer needs a survey.as-built of the same chainage in its ancestry.',
  onAppend: 'flag',
  onAppendReason:
    'Once the trench is closed the survey cannot be made as required; the record shows that it was closed first.',
  deadline: false,
  kinds: ['construction.backfill-layer'],
  check: ({ trace }, node) => {
    const body = trace.body(node, 'construction.backfill-layer');
    if (body === undefined || body.final !== true) return undefined;
    const surveys = trace.ancestors(
      node,
      'survey.as-built',
      (s, b) =>
        s.entry.object === node.entry.object &&
        (b.chainage === undefined || overlaps(b.chainage, body.chainage)),
    );
    if (surveys.length > 0) return undefined;
    return { message: `final backfill of ${formatRange(body.chainage)} before any survey.as-built of it` };
  },
};
