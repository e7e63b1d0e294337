/** P-COVERS: a missing manhole cover is fenced off within 2 h and restored within 6 h. */
import { combine, deadline, HOUR } from './helpers.ts';
import type { Rule } from './types.ts';

export const covers: Rule = {
  code: 'P-COVERS',
  title: 'Missing manhole covers made safe',
  severity: 'error',
  standard: 'CJJ 68-2016',
  clause: 'manhole cover inspection and emergency measures',
  explanation:
    'When a patrol finds a cover missing, om.cover-secured with a barrier follows within 2 h and with the cover restored within 6 h.',
  onAppend: 'flag',
  onAppendReason:
    'A deadline is judged as time passes; the patrol that found the hole must be recorded at once.',
  deadline: true,
  reads: { 'om.patrol': ['observations'], 'om.cover-secured': ['action'] },
  kinds: ['om.patrol'],
  check: (ctx, node) => {
    const { trace } = ctx;
    const body = trace.body(node, 'om.patrol');
    if (
      ctx.mode === 'append' ||
      body === undefined ||
      !body.observations.some((o) => o.code === 'cover-missing')
    ) {
      return undefined;
    }
    const actions = (action: 'barrier' | 'restored') =>
      trace.descendants(
        node,
        'om.cover-secured',
        (c, b) => c.entry.object === node.entry.object && b.action === action,
      );
    return combine([
      deadline(ctx, actions('barrier'), node.entry.time + 2 * HOUR, 'a barrier around the open manhole'),
      deadline(ctx, actions('restored'), node.entry.time + 6 * HOUR, 'the restored cover'),
    ]);
  },
};
