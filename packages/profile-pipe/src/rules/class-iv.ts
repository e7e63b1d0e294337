/** P-CLASS-IV: a structural class IV pipe is repaired, rehabilitated or its risk accepted within 30 days. */
import { DAY, deadline } from './helpers.ts';
import type { Rule } from './types.ts';

export const classIv: Rule = {
  code: 'P-CLASS-IV',
  title: 'Response to a structural class IV finding',
  severity: 'warning',
  standard: 'CJJ 181-2012; CJJ 68-2016',
  clause: 'structural condition class IV: repair at once (CJJ 181 assessment chapter)',
  explanation:
    'An om.condition-assessment with structural class IV needs an om.repair, om.rehabilitation or om.risk-accepted of the segment within 30 days.',
  onAppend: 'flag',
  onAppendReason:
    'A deadline is judged as time passes; the assessment itself is the record that starts the clock.',
  deadline: true,
  reads: { 'om.condition-assessment': ['structuralClass'] },
  kinds: ['om.condition-assessment'],
  check: (ctx, node) => {
    const { trace } = ctx;
    if (ctx.mode === 'append' || trace.body(node, 'om.condition-assessment')?.structuralClass !== 'IV')
      return undefined;
    const same = (n: { entry: { object: string } }) => n.entry.object === node.entry.object;
    const responses = [
      ...trace.descendants(node, 'om.repair', same),
      ...trace.descendants(node, 'om.rehabilitation', same),
      ...trace.descendants(node, 'om.risk-accepted', same),
    ];
    return deadline(
      ctx,
      responses,
      node.entry.time + 30 * DAY,
      'a repair, rehabilitation or risk acceptance of the class IV finding',
    );
  },
};
