/**
 * P-COMPLETION: completion acceptance rests on the whole acceptance hierarchy (GB 50300: lots,
 * subitems, subdivisions), a passed tightness or pressure test on every segment, the chief
 * supervision engineer's pre-acceptance, the party reports and the archive's pre-acceptance.
 * "Every" lot and segment means every one of the project present in the evaluated entries.
 */
import { parseLotId, parseObjectId, subdivisionCode, subitemCode } from '../ids.ts';
import { latestDesign, projectSegments } from './helpers.ts';
import type { Rule } from './types.ts';

const REPORTS = [
  ['survey', 'SUR'],
  ['design', 'DES'],
  ['contractor', 'PM'],
] as const;

function list(items: readonly string[], max = 6): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export const completion: Rule = {
  code: 'P-COMPLETION',
  title: 'Completion acceptance conditions',
  severity: 'error',
  standard: 'Regulation on Construction Quality Management; GB 50300-2013; GB 50268-2008',
  clause: 'Art. 16; GB 50300-2013 §6.0.6 (unit acceptance procedure)',
  explanation:
    'acceptance.completion needs, in its ancestry: every lot, subitem and subdivision accepted, a passed test on every segment, the CSE’s pre-acceptance, the survey, design and contractor reports, and the archive’s pre-acceptance.',
  onAppend: 'refuse',
  onAppendReason:
    'Completion acceptance is a legal act constituted by the signatures; without its conditions it is void, and refusing it keeps a false completion out of the record without losing any work done.',
  deadline: false,
  reads: {
    'acceptance.lot': ['result'],
    'acceptance.subitem': ['code', 'result'],
    'acceptance.subdivision': ['code', 'result'],
    'design.issued': ['flow'],
    'design.revised': ['flow'],
    'test.closed-water': ['pass'],
    'test.pressure': ['pass'],
    'acceptance.pre-acceptance': ['result'],
    'acceptance.party-report': ['party', 'conclusion'],
    'archive.pre-accepted': ['opinion'],
  },
  kinds: ['acceptance.completion'],
  check: ({ trace }, node) => {
    const permit = parseObjectId(node.entry.object)?.token;
    if (permit === undefined) return undefined;
    const missing: string[] = [];
    const lots = trace.objects().flatMap((o) => {
      const lot = parseLotId(o);
      return lot?.permit === permit ? [{ id: o, lot }] : [];
    });
    const unaccepted = lots.filter(
      ({ id }) =>
        trace.ancestors(node, 'acceptance.lot', (a, b) => a.entry.object === id && b.result === 'pass')
          .length === 0,
    );
    if (unaccepted.length > 0) missing.push(`lots ${list(unaccepted.map((l) => l.id))} accepted`);
    for (const [level, codeOf] of [
      ['acceptance.subitem', subitemCode],
      ['acceptance.subdivision', subdivisionCode],
    ] as const) {
      const codes = [...new Set(lots.map(({ lot }) => codeOf(lot)))];
      const open = codes.filter(
        (code) => trace.ancestors(node, level, (_, b) => b.code === code && b.result === 'pass').length === 0,
      );
      if (open.length > 0) missing.push(`${level.split('.')[1]}s ${list(open)} accepted`);
    }
    const untested = projectSegments(trace, node.entry.object).filter((segment) => {
      const flow = latestDesign(trace, segment)?.flow;
      const kinds =
        flow === 'gravity'
          ? (['test.closed-water'] as const)
          : flow === 'pressure'
            ? (['test.pressure'] as const)
            : (['test.closed-water', 'test.pressure'] as const);
      return kinds.every(
        (kind) => trace.ancestors(node, kind, (t, b) => t.entry.object === segment && b.pass).length === 0,
      );
    });
    if (untested.length > 0) missing.push(`a passed test on ${list(untested)}`);
    if (
      trace.ancestors(
        node,
        'acceptance.pre-acceptance',
        (p, b) => p.entry.role === 'CSE' && b.result === 'pass',
      ).length === 0
    ) {
      missing.push('a passed acceptance.pre-acceptance by the CSE');
    }
    const reports = REPORTS.filter(
      ([party, role]) =>
        trace.ancestors(
          node,
          'acceptance.party-report',
          (r, b) => r.entry.role === role && b.party === party && b.conclusion === 'qualified',
        ).length === 0,
    ).map(([party]) => party);
    if (reports.length > 0) missing.push(`qualified party reports of ${reports.join(', ')}`);
    if (trace.ancestors(node, 'archive.pre-accepted', (_, b) => b.opinion === 'accepted').length === 0) {
      missing.push('archive.pre-accepted');
    }
    if (missing.length === 0) return undefined;
    return { message: `completion accepted without ${missing.join('; ')}` };
  },
};
