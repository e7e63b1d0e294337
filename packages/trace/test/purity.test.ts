/** packages/trace is pure (DESIGN §1.7, §10): it runs in browsers, so no node: import, no I/O. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

describe('packages/trace', () => {
  it('imports nothing of Node and no adapter package', () => {
    for (const file of readdirSync(SRC)) {
      const text = readFileSync(join(SRC, file), 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string);
      for (const specifier of imports) {
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^(\.\/|@liuhen\/(core|governance)$)/);
      }
      expect(text, file).not.toMatch(/\b(process\.|require\(|Buffer\b|fetch\(|setTimeout\()/);
    }
  });
});
