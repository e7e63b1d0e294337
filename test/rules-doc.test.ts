/** docs/rules.md is generated from the profile's code and must match it. */
import { readFileSync } from 'node:fs';
import { RULE_CODES, RULES } from '@liuhen/profile-pipe';
import { describe, expect, it } from 'vitest';
import { RULES_DOC_PATH, rulesDoc } from '../scripts/rules-doc.ts';

describe('docs/rules.md', () => {
  const doc = readFileSync(RULES_DOC_PATH, 'utf8');

  it('is what the code renders today (run pnpm rules:doc if not)', () => {
    expect(doc).toBe(rulesDoc());
  });

  it('lists every rule with its severity, clause and explanation', () => {
    expect(RULE_CODES).toHaveLength(17);
    for (const rule of RULES) {
      expect(doc).toContain(`### ${rule.code} — ${rule.title}`);
      expect(doc).toContain(rule.explanation);
      expect(doc).toContain(rule.clause);
      expect(doc).toContain(`- severity: ${rule.severity}`);
    }
  });
});
