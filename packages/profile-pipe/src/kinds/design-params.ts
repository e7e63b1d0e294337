/** The design parameters of a segment, shared by `design.issued` and `design.revised`. */
import { code, instant, JOINT_TYPES, MATERIALS, oneOf, quantity, utility, whole } from './fields.ts';
import type { Issue } from './spec.ts';

export const PLASTIC_MATERIALS: readonly string[] = ['hdpe', 'pvc-u', 'grp'];
const NODE = /^(JS|WS|YS|RQ|DL|TX|RL)\d{6}$/;

export const designShape = {
  utility: utility(),
  flow: oneOf(['gravity', 'pressure'], 'gravity (free-surface) pipe or pressure pipe'),
  upstreamNode: code(NODE, 'utility code + 6 digits', 'upstream node number, e.g. WS000123'),
  downstreamNode: code(NODE, 'utility code + 6 digits', 'downstream node number, e.g. WS000124'),
  lengthM: quantity('m', 0.5, 5_000, 'design length between the node centres'),
  dnMm: whole('mm', 50, 4_000, 'nominal diameter DN'),
  material: oneOf(MATERIALS, 'pipe material'),
  pipeClass: code(
    /^[A-Za-z0-9 .ⅠⅡⅢ-]{1,16}$/u,
    'class code',
    'strength class, e.g. SN8, II, K9, PN10',
  ).optional(),
  ringStiffnessKNPerM2: quantity('kN/m2', 1, 64, 'ring stiffness of a plastic pipe (SN)').optional(),
  upstreamInvertM: quantity('m', -100, 5_000, 'upstream invert elevation', {
    classification: 'restricted',
  }),
  downstreamInvertM: quantity('m', -100, 5_000, 'downstream invert elevation', {
    classification: 'restricted',
  }),
  slopePermille: quantity('‰', -100, 500, 'design slope, positive falling downstream'),
  jointType: oneOf(JOINT_TYPES, 'joint type'),
  pieceLengthM: quantity('m', 0.5, 24, 'length of one pipe piece (joint spacing)').optional(),
  designPressureMPa: quantity('MPa', 0, 10, 'design (working) pressure; 0 for gravity pipes'),
  designLifeYears: whole('years', 1, 200, 'design service life'),
  issuedAt: instant('date on the drawings').optional(),
};

type DesignBody = {
  utility: string;
  flow: string;
  upstreamNode: string;
  downstreamNode: string;
  material: string;
  ringStiffnessKNPerM2?: number | undefined;
  slopePermille: number;
  designPressureMPa: number;
};

export function refineDesign(body: DesignBody, issue: Issue): void {
  if (body.flow === 'pressure' && body.designPressureMPa <= 0) {
    issue(['designPressureMPa'], 'a pressure pipe needs a design pressure above 0 MPa');
  }
  if (body.flow === 'gravity' && body.slopePermille <= 0) {
    issue(['slopePermille'], 'a gravity pipe needs a slope above 0 ‰ (falling downstream)');
  }
  if (PLASTIC_MATERIALS.includes(body.material) && body.ringStiffnessKNPerM2 === undefined) {
    issue(['ringStiffnessKNPerM2'], `required for ${body.material} pipes (ring stiffness in kN/m²)`);
  }
  for (const key of ['upstreamNode', 'downstreamNode'] as const) {
    if (!body[key].startsWith(body.utility)) {
      issue([key], `node ${body[key]} is not of utility ${body.utility}`);
    }
  }
}
