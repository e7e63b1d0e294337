/**
 * One lookup for every code a report can print: the trace's rules, the profile's rules, and the
 * authority check's codes from governance (whose one-line meanings are governance's and core's).
 */
import { ERROR_CODES } from '@liuhen/core';
import { GOVERNANCE_ERROR_CODES } from '@liuhen/governance';
import { AUTHORITY_CLAUSE, type RuleInfo, TRACE_RULES, traceRule } from './findings.ts';
import type { ProfileHooks } from './profile.ts';

export function explainRule(code: string, profile?: ProfileHooks): RuleInfo | undefined {
  const own = traceRule(code) ?? profile?.rules?.find((r) => r.code === code);
  if (own !== undefined) return own;
  const meaning =
    (ERROR_CODES as Record<string, string>)[code] ?? (GOVERNANCE_ERROR_CODES as Record<string, string>)[code];
  if (meaning === undefined) return undefined;
  return {
    code,
    severity: 'error',
    clause: AUTHORITY_CLAUSE,
    title: meaning.charAt(0).toUpperCase() + meaning.slice(1),
    explanation: `Reported when governance's validity check refuses an entry: ${meaning}.`,
  };
}

/** Every rule a report may carry from the trace and the profile (authority codes aside). */
export function ruleCatalogue(profile?: ProfileHooks): readonly RuleInfo[] {
  return [...TRACE_RULES, ...(profile?.rules ?? [])];
}
