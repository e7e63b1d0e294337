/** P-EVIDENCE-TIME: the photos of an acceptance were taken before it, not staged afterwards. */
import { iso } from './helpers.ts';
import type { Rule } from './types.ts';

export const evidenceTime: Rule = {
  code: 'P-EVIDENCE-TIME',
  title: 'Evidence captured no later than the acceptance',
  severity: 'warning',
  standard: 'GB 55032-2022',
  clause: '§3.3.4 (photo or video evidence of hidden works)',
  explanation:
    'Photo or video evidence of an acceptance must have been captured by the time of the acceptance.',
  onAppend: 'flag',
  onAppendReason:
    'Good practice, and the capture time is the author’s own statement: worth showing, not worth refusing.',
  deadline: false,
  reads: { 'inspection.hidden-works-accepted': ['evidence'] },
  kinds: ['inspection.hidden-works-accepted'],
  check: ({ trace }, node) => {
    const body = trace.body(node, 'inspection.hidden-works-accepted');
    if (body === undefined) return undefined;
    const late = body.evidence.filter((e) => e.capturedAt > node.entry.time);
    if (late.length === 0) return undefined;
    return {
      message: `${late.length} evidence item(s) captured after the acceptance at ${iso(node.entry.time)}: ${late
        .map((e) => `${e.attachment.slice(0, 12)} at ${iso(e.capturedAt)}`)
        .join(', ')}`,
    };
  },
};
