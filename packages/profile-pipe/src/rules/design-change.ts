/**
 * P-DESIGN-CHANGE: once construction has started on a segment, a design revision comes from the
 * original design party, is approved by the owner, and if major is reviewed again. Construction
 * has started when the revision's ancestry shows it, or when the project's start order claims an
 * earlier time: a revision does not escape the owner's approval by not citing the start.
 */
import type { TraceNode } from '../trace-view.ts';
import { projectSegments } from './helpers.ts';
import type { Rule } from './types.ts';

export const designChange: Rule = {
  code: 'P-DESIGN-CHANGE',
  title: 'Design revisions after start',
  severity: 'error',
  standard: 'Regulation on Construction Quality Management; MOHURD Order 13 (drawing review)',
  clause: 'Art. 28 (no unauthorised design changes); Order 13 Art. 14 (re-review of changed drawings)',
  explanation:
    'A design.revised after construction started must be signed by the original design party and approved (attested) by the owner; a major change needs a new design.review-passed citing it.',
  onAppend: 'flag',
  onAppendReason:
    'A revision is a document whose approval and review arrive after it; the record must exist for them to cite, so it is kept and flagged until they do.',
  deadline: false,
  reads: { 'design.revised': ['revisionNo', 'major'] },
  kinds: ['design.revised'],
  check: ({ trace, mode }, node) => {
    const body = trace.body(node, 'design.revised');
    if (body === undefined) return undefined;
    const same = (n: TraceNode) => n.entry.object === node.entry.object;
    const onSite = trace
      .ofObject(node.entry.object)
      .some((n) => n.entry.kind.startsWith('construction.') && trace.isAncestor(n, node));
    const started =
      onSite ||
      trace.ancestors(node, 'construction.started').length > 0 ||
      trace
        .ofKind('construction.started')
        .some(
          (s) =>
            s.entry.time <= node.entry.time &&
            projectSegments(trace, s.entry.object).includes(node.entry.object),
        );
    if (!started) return undefined;
    const problems: string[] = [];
    const original = trace.ancestors(node, 'design.issued', same)[0];
    if (original !== undefined && original.entry.org !== node.entry.org) {
      problems.push(`revised by ${node.entry.org}, not by the original design party ${original.entry.org}`);
    }
    if (mode === 'evaluate') {
      if (!trace.signedBy(node, 'OWN')) problems.push('not approved by the owner (no OWN attestation)');
      if (body.major && !trace.ofKind('design.review-passed').some((r) => trace.isAncestor(node, r))) {
        problems.push('a major change without a new design.review-passed citing it');
      }
    }
    if (problems.length === 0) return undefined;
    return {
      message: `revision ${body.revisionNo} after construction started: ${problems.join('; ')}`,
      related: original ? [original] : [],
    };
  },
};
