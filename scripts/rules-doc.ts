/**
 * Writes docs/rules.md, the pipe/1 rule and kind catalogue, from the code itself
 * (`pnpm rules:doc`); test/rules-doc.test.ts fails when the committed file differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderRulesDoc } from '@liuhen/profile-pipe';

export const RULES_DOC_PATH = fileURLToPath(new URL('../docs/rules.md', import.meta.url));

export function rulesDoc(): string {
  return renderRulesDoc();
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const next = rulesDoc();
  let current = '';
  try {
    current = readFileSync(RULES_DOC_PATH, 'utf8');
  } catch {
    // First run: no file yet.
  }
  if (current === next) {
    console.log(`${RULES_DOC_PATH} is up to date`);
  } else {
    writeFileSync(RULES_DOC_PATH, next);
    console.log(`wrote ${RULES_DOC_PATH}`);
  }
}
