/**
 * P-CONTEMPORANEOUS: records are made as the work happens. The earliest witness cosignature
 * bounds when an entry existed; one witnessed more than 24 h after its claimed time is a late
 * recording (补录). On append the node's clock is that bound, since witnessing comes later still.
 */
import { HOUR, iso } from './helpers.ts';
import type { Rule } from './types.ts';

const LIMIT = 24 * HOUR;

export const contemporaneous: Rule = {
  code: 'P-CONTEMPORANEOUS',
  title: 'Records made as the work happens',
  severity: 'error',
  standard: 'GB 55032-2022',
  clause: '§4.1.4',
  explanation: 'An entry first witnessed more than 24 h after its claimed time is a late recording (补录).',
  onAppend: 'flag',
  onAppendReason:
    'A late record is still better than none; refusing it would push the record off the ledger, so it is kept and marked late.',
  deadline: false,
  reads: {},
  check: (ctx, node) => {
    const claimed = node.entry.time;
    if (ctx.mode === 'append') {
      return ctx.asOf - claimed > LIMIT
        ? { message: `recorded at ${iso(ctx.asOf)} for an act claimed at ${iso(claimed)}` }
        : undefined;
    }
    if (ctx.firstWitnessed === undefined) return undefined;
    const witnessed = ctx.firstWitnessed.get(node.id);
    if (witnessed === undefined) {
      if (ctx.asOf - claimed > LIMIT) {
        return { message: `claimed at ${iso(claimed)} and still not witnessed as of ${iso(ctx.asOf)}` };
      }
      return { unchecked: 'not yet witnessed' };
    }
    if (witnessed - claimed <= LIMIT) return undefined;
    return {
      message: `claimed at ${iso(claimed)} but first witnessed at ${iso(witnessed)}, ${Math.round((witnessed - claimed) / HOUR)} h later`,
    };
  },
};
