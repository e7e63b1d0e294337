/** P-MATERIAL: pipes come from a batch the supervision engineer accepted, as the design specifies. */
import { designInForce, short } from './helpers.ts';
import type { Rule } from './types.ts';

export const material: Rule = {
  code: 'P-MATERIAL',
  title: 'Only accepted materials, as designed, are built in',
  severity: 'error',
  standard: 'Regulation on Construction Quality Management; GB 50268-2008',
  clause: 'Art. 37 (no SE signature, no use of materials); GB 50268-2008 §3.1 (site acceptance of materials)',
  explanation:
    'Pipes may be laid only from a batch accepted with the supervision engineer’s signature (and, where sampling is required, a passed sample test), of the material and diameter of the design in force.',
  onAppend: 'flag',
  onAppendReason:
    'The pipe is in the ground whether or not the record is accepted; refusing the record would hide exactly what an inspector must see.',
  deadline: false,
  reads: {
    'construction.pipe-laid': ['batch'],
    'material.batch-accepted': ['batchNo', 'conclusion', 'samplingRequired', 'material', 'dnMm'],
    'material.sample-tested': ['batchNo', 'pass'],
    'design.issued': ['material', 'dnMm'],
    'design.revised': ['material', 'dnMm'],
  },
  kinds: ['construction.pipe-laid'],
  check: ({ trace }, node) => {
    const body = trace.body(node, 'construction.pipe-laid');
    if (body === undefined) return undefined;
    const cited = trace.refTargets(node, 'batch').filter((b) => trace.body(b, 'material.batch-accepted'));
    if (cited.length === 0)
      return { message: `batch ${body.batch} is laid without citing its material.batch-accepted` };
    const batch = cited.find((b) => trace.body(b, 'material.batch-accepted')?.batchNo === body.batch);
    if (batch === undefined) {
      return { message: `none of the cited batch acceptances is for batch ${body.batch}`, related: cited };
    }
    const accepted = trace.body(batch, 'material.batch-accepted');
    if (accepted === undefined) return undefined;
    const problems: string[] = [];
    if (accepted.conclusion !== 'accepted') problems.push(`batch ${accepted.batchNo} was rejected`);
    if (!trace.signedBy(batch, 'SE', node)) {
      problems.push(
        `the acceptance of batch ${accepted.batchNo} bears no SE signature before the pipes were laid`,
      );
    }
    if (
      accepted.samplingRequired &&
      trace.ancestors(node, 'material.sample-tested', (_, s) => s.batchNo === accepted.batchNo && s.pass)
        .length === 0
    ) {
      problems.push(`batch ${accepted.batchNo} requires sampling and has no passed material.sample-tested`);
    }
    const design = designInForce(trace, node);
    if (
      design !== undefined &&
      (design.body.material !== accepted.material || design.body.dnMm !== accepted.dnMm)
    ) {
      problems.push(
        `batch ${accepted.batchNo} is ${accepted.material} DN${accepted.dnMm} but the design in force (${short(design.node)}) specifies ${design.body.material} DN${design.body.dnMm}`,
      );
    }
    if (problems.length === 0) return undefined;
    return { message: problems.join('; '), related: [batch, ...(design ? [design.node] : [])] };
  },
};
