/**
 * docs/client.md is the one source of its examples: this test takes every ```ts block from it,
 * type-checks them together (so the typed bodies, and the one `@ts-expect-error` showing a
 * misspelt field, are checked as a reader's editor would), then runs each as its own program, in
 * document order, against a real node, as a business system would run it: `@liuhen/client`
 * resolved as a package, settings from the environment, the operator's seed from a file.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toHex } from '@liuhen/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from './node.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGE = join(ROOT, 'packages/client');
const DOC = join(ROOT, 'docs/client.md');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const TSC = join(ROOT, 'node_modules/.bin/tsc');

interface Example {
  name: string;
  code: string;
}

function examples(): Example[] {
  const text = readFileSync(DOC, 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m, i) => {
    const code = m[1] as string;
    const name = /^\/\/ example: ([a-z-]+)\n/.exec(code)?.[1];
    if (name === undefined)
      throw new Error(`block ${i + 1} of docs/client.md does not start with // example: NAME`);
    return { name, code };
  });
}

/** What each example must print (its output also shows when one fails). */
const EXPECTED: Record<string, RegExp[]> = {
  connect: [/^connected to contractor: log size \d+, height \d+$/m],
  append: [/^appended [0-9a-f]{64} at contractor\/\d+ in block \d+$/m],
  upload: [
    /^uploaded 2048 bytes, SHA-256 [0-9a-f]{64}$/m,
    /^joint J01 recorded as [0-9a-f]{64} with its photo$/m,
  ],
  query: [
    /construction\.trench-excavated by QI [0-9a-f]{12}\n.*construction\.joint-made by QI [0-9a-f]{12}\n/,
    /^heads: [0-9a-f]{64}$/m,
    /^entry [0-9a-f]{12} is leaf \d+ of \d+; checkpoint signature verified: true$/m,
  ],
  bundle: [
    /^verdict: verified-with-warnings \(2 entries, ok: true\)$/m,
    /^ {2}warning P-CONTEMPORANEOUS: /m,
    /^tampered copy: failed \(.*TRACE_ENTRY_SIGNATURE.*\)$/m,
  ],
  errors: [
    /^refused here: PIPE_BODY_INVALID at body\.compactionPct$/m,
    /^refused by the node: ROLE_NOT_HELD \(HTTP 403\): .+$/m,
  ],
};

let node: TestNode;
let work: string;
let env: NodeJS.ProcessEnv;
const list = examples();

beforeAll(async () => {
  node = await startTestNode();
  work = mkdtempSync(join(tmpdir(), 'liuhen-client-docs-'));
  // An ES module application (top-level await) that imports the package by its name.
  writeFileSync(join(work, 'package.json'), '{ "type": "module", "private": true }\n');
  mkdirSync(join(work, 'node_modules/@liuhen'), { recursive: true });
  symlinkSync(PACKAGE, join(work, 'node_modules/@liuhen/client'), 'dir');
  writeFileSync(join(work, 'operator.seed'), `${toHex(node.seed)}\n`, { mode: 0o600 });
  mkdirSync(join(work, 'photos'));
  writeFileSync(
    join(work, 'photos/J01.jpg'),
    new Uint8Array(2048).map((_, i) => (i * 31) & 0xff),
  );
  for (const { name, code } of list) writeFileSync(join(work, `${name}.ts`), code);
  env = {
    ...process.env,
    LIUHEN_URL: node.url,
    LIUHEN_TOKEN: node.token,
    LIUHEN_GENESIS: join(node.prepared.dir, 'genesis.cbor'),
    LIUHEN_SEED_FILE: join(work, 'operator.seed'),
  };
}, 120_000);

afterAll(async () => {
  await node?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docs/client.md', () => {
  it('holds the examples this test knows what to expect of, each named', () => {
    expect(list.map((e) => e.name)).toEqual(Object.keys(EXPECTED));
  });

  it('type-checks every example under the repository compiler settings', () => {
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.base.json'),
        compilerOptions: {
          composite: false,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        include: ['*.ts'],
      }),
    );
    const result = spawnSync(TSC, ['-p', work], { encoding: 'utf8', timeout: 120_000 });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);

  // In document order: later examples read what earlier ones wrote.
  for (const { name } of list) {
    it(`runs the "${name}" example against a real node`, () => {
      const result = spawnSync(process.execPath, ['--import', TSX, join(work, `${name}.ts`)], {
        cwd: work,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const output = `${result.stdout}${result.stderr}`;
      expect(result.status, output).toBe(0);
      for (const pattern of EXPECTED[name] ?? []) expect(result.stdout, output).toMatch(pattern);
    }, 60_000);
  }
});
