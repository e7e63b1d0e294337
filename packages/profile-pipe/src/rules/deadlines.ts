/**
 * P-DEADLINES: filing within 15 days of completion, the archive transferred within 3 months,
 * and the archive updated within 3 months of a decommissioning or of a repair that changes the
 * pipe. A finding is reported on the entry that started the clock, once the deadline has passed
 * relative to the "as of" time, or when the fulfilment was recorded late.
 */
import type { TraceNode } from '../trace-view.ts';
import { addMonths, combine, DAY, deadline } from './helpers.ts';
import type { Rule, RuleContext, Violation } from './types.ts';

/** An update counts for the change it cites; one citing nothing counts for every change before it. */
function archiveUpdate(ctx: RuleContext, node: TraceNode, what: string): Violation | undefined {
  const { trace } = ctx;
  const updates = trace.descendants(node, 'archive.updated', (u) => {
    const cited = trace.refTargets(u, 'update-for');
    return u.entry.refs.every((r) => r.rel !== 'update-for') || cited.includes(node);
  });
  return deadline(ctx, updates, addMonths(node.entry.time, 3), `the archive update after ${what}`);
}

export const deadlines: Rule = {
  code: 'P-DEADLINES',
  title: 'Filing and archive deadlines',
  severity: 'error',
  standard:
    'Regulation on Construction Quality Management; Urban Construction Archives Provisions; MoC Order 136',
  clause:
    'Art. 49 (filing within 15 days); archive transfer within 3 months of completion; Order 136 (archive updates)',
  explanation:
    'acceptance.filed within 15 days of completion, archive.transferred within 3 months of it, and archive.updated within 3 months of a decommissioning or of a repair that changes the pipe.',
  onAppend: 'flag',
  onAppendReason:
    'A deadline is judged as time passes, never when the entry that starts it is appended; a late filing must still be recorded.',
  deadline: true,
  reads: { 'acceptance.completion': ['conclusion'], 'om.repair': ['changesPipe'] },
  kinds: ['acceptance.completion', 'lifecycle.decommissioned', 'om.repair', 'om.rehabilitation'],
  check: (ctx, node) => {
    if (ctx.mode === 'append') return undefined;
    const { trace } = ctx;
    switch (node.entry.kind) {
      case 'acceptance.completion': {
        if (trace.body(node, 'acceptance.completion')?.conclusion !== 'qualified') return undefined;
        return combine([
          deadline(
            ctx,
            trace.descendants(node, 'acceptance.filed'),
            node.entry.time + 15 * DAY,
            'acceptance.filed',
          ),
          deadline(
            ctx,
            trace.descendants(node, 'archive.transferred'),
            addMonths(node.entry.time, 3),
            'archive.transferred',
          ),
        ]);
      }
      case 'lifecycle.decommissioned':
        return archiveUpdate(ctx, node, 'decommissioning');
      case 'om.repair':
        return trace.body(node, 'om.repair')?.changesPipe
          ? archiveUpdate(ctx, node, 'a repair that changed the pipe')
          : undefined;
      default:
        return trace.body(node, 'om.rehabilitation') ? archiveUpdate(ctx, node, 'rehabilitation') : undefined;
    }
  },
};
