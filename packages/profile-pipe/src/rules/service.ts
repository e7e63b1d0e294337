/** P-SERVICE: water mains are flushed and disinfected, sewers tightness-tested, before service. */
import { SEWER_UTILITIES, type UtilityCode } from '../ids.ts';
import { latestDesign, projectSegments } from './helpers.ts';
import type { Rule } from './types.ts';

export const service: Rule = {
  code: 'P-SERVICE',
  title: 'Flushing or tightness test before service',
  severity: 'error',
  standard: 'GB 50268-2008',
  clause:
    '§9.1 (tightness test before sewers operate; water mains flushed and disinfected before connection), §9.5',
  explanation:
    'handover.to-operator, when the utility connects and runs the pipes, needs a passed commissioning.flush-disinfect on every water-main segment and a passed test.closed-water on every sewer segment in its ancestry.',
  onAppend: 'refuse',
  onAppendReason:
    'Handover is a legal act the signatures make; refusing it until the pipes are proven safe loses no record and keeps an untested pipe out of service.',
  deadline: false,
  reads: {
    'design.issued': ['utility'],
    'design.revised': ['utility'],
    'commissioning.flush-disinfect': ['pass'],
    'test.closed-water': ['pass'],
  },
  kinds: ['handover.to-operator'],
  check: ({ trace }, node) => {
    const segments = node.entry.object.startsWith('seg:')
      ? [node.entry.object]
      : projectSegments(trace, node.entry.object);
    const missing: string[] = [];
    for (const segment of segments) {
      const utility = latestDesign(trace, segment)?.utility as UtilityCode | undefined;
      const passed = (kind: 'commissioning.flush-disinfect' | 'test.closed-water') =>
        trace.ancestors(node, kind, (t, b) => t.entry.object === segment && b.pass).length > 0;
      if (utility === 'JS' && !passed('commissioning.flush-disinfect'))
        missing.push(`${segment} (flush and disinfection)`);
      if (utility !== undefined && SEWER_UTILITIES.includes(utility) && !passed('test.closed-water')) {
        missing.push(`${segment} (tightness test)`);
      }
    }
    if (missing.length === 0) return undefined;
    return { message: `handed over without a passed ${missing.join(', ')}` };
  },
};
