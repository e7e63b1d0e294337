/** P-REHAB: rehabilitation answers a condition assessment, preferably a recent one. */
import { addMonths, iso, short } from './helpers.ts';
import type { Rule } from './types.ts';

export const rehab: Rule = {
  code: 'P-REHAB',
  title: 'Rehabilitation based on a condition assessment',
  severity: 'error',
  standard: 'CJJ/T 210-2014',
  clause: 'design of rehabilitation on the basis of inspection and assessment (CJJ 181-2012)',
  explanation:
    'om.rehabilitation must cite an om.condition-assessment of the same segment; an assessment older than 12 months is poor practice.',
  onAppend: 'flag',
  onAppendReason:
    'The liner is installed whether or not the record is accepted; the flag shows it was designed blind.',
  deadline: false,
  reads: {},
  kinds: ['om.rehabilitation'],
  check: ({ trace }, node) => {
    const cited = trace
      .refTargets(node, 'assessment')
      .filter(
        (a) => a.entry.object === node.entry.object && trace.body(a, 'om.condition-assessment') !== undefined,
      );
    if (cited.length === 0) return { message: 'cites no om.condition-assessment of this segment' };
    const latest = cited.sort((a, b) => b.entry.time - a.entry.time)[0];
    if (latest === undefined || node.entry.time <= addMonths(latest.entry.time, 12)) return undefined;
    return {
      message: `the cited assessment ${short(latest)} of ${iso(latest.entry.time)} is more than 12 months old`,
      related: [latest],
      severity: 'warning',
    };
  },
};
