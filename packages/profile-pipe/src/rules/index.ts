/** The pipe/1 rule catalogue, in the order of the domain table. */
import { asBuilt } from './asbuilt.ts';
import { classIv } from './class-iv.ts';
import { completion } from './completion.ts';
import { contemporaneous } from './contemporaneous.ts';
import { cover } from './cover.ts';
import { covers } from './covers.ts';
import { deadlines } from './deadlines.ts';
import { designChange } from './design-change.ts';
import { evidenceTime } from './evidence-time.ts';
import { leads } from './leads.ts';
import { material } from './material.ts';
import { rehab } from './rehab.ts';
import { separation } from './separation.ts';
import { service } from './service.ts';
import { testBeforeBackfill } from './test-before-backfill.ts';
import { testConditions } from './test-conditions.ts';
import { trench } from './trench.ts';
import type { Rule } from './types.ts';

export const RULES: readonly Rule[] = [
  leads,
  material,
  trench,
  cover,
  evidenceTime,
  testBeforeBackfill,
  testConditions,
  asBuilt,
  service,
  completion,
  deadlines,
  designChange,
  rehab,
  classIv,
  covers,
  contemporaneous,
  separation,
];

export type RuleCode = (typeof RULES)[number]['code'];
export const RULE_CODES: readonly string[] = RULES.map((r) => r.code);

export function ruleByCode(code: string): Rule | undefined {
  return RULES.find((r) => r.code === code);
}

export type { Rule, RuleContext } from './types.ts';
