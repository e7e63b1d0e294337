/**
 * P-COVER: hidden works are covered only after the supervision engineer accepted them, with
 * photo or video. Covering steps are the bedding placed over made joints and the first backfill
 * layer over a chainage; later layers cover nothing new.
 */
import type { TraceNode } from '../trace-view.ts';
import { formatRange, hasPhotoOrVideo, overlaps, short, within } from './helpers.ts';
import type { Rule } from './types.ts';

export const cover: Rule = {
  code: 'P-COVER',
  title: 'No covering before hidden-works acceptance',
  severity: 'error',
  standard: 'GB 55032-2022; Regulation on Construction Quality Management',
  clause: '§3.3.4; Regulation Arts. 30 and 37',
  explanation:
    'Bedding over joints and the first backfill layer need, in their ancestry, an inspection.hidden-works-accepted of an overlapping chainage signed by the supervision engineer with at least one photo or video, covering every joint underneath.',
  onAppend: 'flag',
  onAppendReason:
    'The covering happened; it is the act the law forbids, and the record that it happened before acceptance is the evidence the ledger exists to keep.',
  deadline: false,
  reads: {
    'construction.bedding': ['chainage'],
    'construction.backfill-layer': ['chainage'],
    'construction.joint-made': ['chainage', 'joint'],
    'inspection.hidden-works-accepted': ['chainage', 'conclusion'],
  },
  kinds: ['construction.bedding', 'construction.backfill-layer'],
  check: ({ trace }, node) => {
    const range =
      trace.body(node, 'construction.bedding')?.chainage ??
      trace.body(node, 'construction.backfill-layer')?.chainage;
    if (range === undefined) return undefined;
    const same = (n: TraceNode) => n.entry.object === node.entry.object;
    const joints = trace.ancestors(
      node,
      'construction.joint-made',
      (j, b) => same(j) && within(b.chainage[0], range),
    );
    if (node.entry.kind === 'construction.bedding' && joints.length === 0) return undefined;
    if (
      node.entry.kind === 'construction.backfill-layer' &&
      trace.ancestors(
        node,
        'construction.backfill-layer',
        (b, body) => same(b) && overlaps(body.chainage, range),
      ).length > 0
    ) {
      return undefined;
    }
    const acceptances = trace.ancestors(
      node,
      'inspection.hidden-works-accepted',
      (a, b) => same(a) && overlaps(b.chainage, range),
    );
    const flaws = (a: TraceNode) => {
      const body = trace.body(a, 'inspection.hidden-works-accepted');
      return [
        ...(body?.conclusion === 'accepted' ? [] : ['rejected the works']),
        ...(a.entry.role === 'SE' ? [] : [`is signed as ${a.entry.role}, not SE`]),
        ...(hasPhotoOrVideo(a.entry) ? [] : ['has no photo or video']),
      ];
    };
    const qualifying = acceptances.filter((a) => flaws(a).length === 0);
    if (qualifying.length === 0) {
      const why =
        acceptances.length === 0
          ? `no inspection.hidden-works-accepted of ${formatRange(range)} precedes it`
          : acceptances.map((a) => `the acceptance ${short(a)} ${flaws(a).join(' and ')}`).join('; ');
      return { message: `${node.entry.kind} covers ${formatRange(range)}, but ${why}`, related: acceptances };
    }
    const bare = joints.filter((j) => {
      const at = trace.body(j, 'construction.joint-made')?.chainage[0] ?? -1;
      return !qualifying.some((a) => {
        const accepted = trace.body(a, 'inspection.hidden-works-accepted')?.chainage;
        return accepted !== undefined && within(at, accepted);
      });
    });
    if (bare.length === 0) return undefined;
    const names = bare.map((j) => {
      const b = trace.body(j, 'construction.joint-made');
      return `${b?.joint} at ${b?.chainage[0]} m`;
    });
    return {
      message: `joints ${names.join(', ')} are covered without an accepted hidden-works inspection`,
      related: bare,
    };
  },
};
