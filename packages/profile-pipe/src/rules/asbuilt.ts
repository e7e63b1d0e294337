/**
 * P-ASBUILT: the as-built survey is made before the trench is finally closed, and is accurate
 * enough to find the pipe again. The accuracies are restricted mapping data, sealed in the
 * survey: a reader who cannot open it gets "not checkable at this clearance" for the survey,
 * never a pass. Whether a survey precedes the final layer needs no restricted field.
 */
import type { TraceNode, TraceView } from '../trace-view.ts';
import { formatRange, overlaps, sealedAway } from './helpers.ts';
import type { Outcome, Rule } from './types.ts';

/** CJJ 61-2017: mean square error of a pipeline point, against the nearest control points. */
const MAX_PLAN_MM = 50;
const MAX_HEIGHT_MM = 30;

function surveyed(trace: TraceView, node: TraceNode): Outcome {
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
}

function accurate(trace: TraceView, node: TraceNode): Outcome {
  const body = trace.body(node, 'survey.as-built');
  if (body === undefined) return undefined;
  const sealed = sealedAway(trace, node, 'survey.as-built', ['planAccuracyMm', 'heightAccuracyMm']);
  if (sealed !== undefined) return sealed;
  const problems = [
    ...(body.planAccuracyMm > MAX_PLAN_MM
      ? [`plan accuracy ${body.planAccuracyMm} mm (at most ${MAX_PLAN_MM})`]
      : []),
    ...(body.heightAccuracyMm > MAX_HEIGHT_MM
      ? [`elevation accuracy ${body.heightAccuracyMm} mm (at most ${MAX_HEIGHT_MM})`]
      : []),
  ];
  if (problems.length === 0) return undefined;
  return { message: `the as-built survey is not accurate enough to locate the pipe: ${problems.join(', ')}` };
}

export const asBuilt: Rule = {
  code: 'P-ASBUILT',
  title: 'Accurate as-built survey before the final backfill',
  severity: 'error',
  standard: 'Ministry of Construction Order 136 (underground pipeline archives); CJJ 61-2017',
  clause:
    'as-built survey before covering (覆土前竣工测量); CJJ 61-2017 accuracy of pipeline point surveys (plan ±5 cm, elevation ±3 cm)',
  explanation: `The final backfill layer needs a survey.as-built of the same chainage in its ancestry, and a survey.as-built must be accurate to ${MAX_PLAN_MM} mm in plan and ${MAX_HEIGHT_MM} mm in elevation.`,
  onAppend: 'flag',
  onAppendReason:
    'Once the trench is closed the survey cannot be made as required; the record shows that it was closed first, or that the survey cannot locate the pipe.',
  deadline: false,
  reads: {
    'construction.backfill-layer': ['chainage', 'final'],
    'survey.as-built': ['chainage', 'planAccuracyMm', 'heightAccuracyMm'],
  },
  kinds: ['construction.backfill-layer', 'survey.as-built'],
  check: ({ trace }, node) =>
    node.entry.kind === 'survey.as-built' ? accurate(trace, node) : surveyed(trace, node),
};
