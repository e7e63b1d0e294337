/**
 * Builds the web inspector into one self-contained file, `dist/index.html`: the page's script and
 * style are bundled by esbuild and inlined, so the node serves a single file at `/` and the same
 * file works offline (opened from disk, it verifies bundle files without any network). A
 * Content-Security-Policy meta tag pins the inline script and style by hash, so nothing else runs
 * in the page even if a bundle carries hostile text.
 *
 * Run: `pnpm --filter @liuhen/web build` (or `tsx apps/web/src/build.ts`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_PAGE = join(ROOT, 'dist', 'index.html');

export interface BuiltPage {
  readonly path: string;
  /** Bytes of the whole page, and of its script alone (both uncompressed). */
  readonly bytes: number;
  readonly scriptBytes: number;
  /** gzip size of the page, as a server with compression would send it. */
  readonly gzipBytes: number;
}

/**
 * zod (through @liuhen/profile-pipe's body schemas) re-exports every one of its ~50 message
 * locales from one index module, which no bundler can drop; the page only ever uses the English
 * default that zod registers itself, so the index is replaced by one that re-exports just that.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
    }));
  },
};

const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Builds `dist/index.html` (written atomically, so a node serving it never reads half a page). */
export async function buildWebPage(options: { readonly out?: string } = {}): Promise<BuiltPage> {
  const out = options.out ?? WEB_PAGE;
  const result = await build({
    entryPoints: [join(ROOT, 'src/page/main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // No "node" condition: @liuhen/core's `#backend` import then resolves to its portable
    // (@noble/*) backend instead of node:crypto.
    conditions: ['browser'],
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    plugins: [zodEnglishOnly],
  });
  const script = (result.outputFiles[0]?.text ?? '').replaceAll('</script', '<\\/script');
  const style = readFileSync(join(ROOT, 'src/page/style.css'), 'utf8');
  const template = readFileSync(join(ROOT, 'src/page/index.html'), 'utf8');
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(script)}`,
    `style-src ${cspHash(style)}`,
    // Attachment previews are object URLs made in the page; the API is the page's own origin.
    'img-src blob:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const html = template
    .replace('<!--CSP-->', `<meta http-equiv="Content-Security-Policy" content="${csp}">`)
    .replace('<!--STYLE-->', () => `<style>${style}</style>`)
    .replace('<!--SCRIPT-->', () => `<script>${script}</script>`);
  mkdirSync(dirname(out), { recursive: true });
  const temporary = `${out}.${process.pid}.tmp`;
  writeFileSync(temporary, html);
  renameSync(temporary, out);
  const { gzipSync } = await import('node:zlib');
  return {
    path: out,
    bytes: Buffer.byteLength(html),
    scriptBytes: Buffer.byteLength(script),
    gzipBytes: gzipSync(html, { level: 9 }).length,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildWebPage();
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `${built.path}: ${kib(built.bytes)} (script ${kib(built.scriptBytes)}; ${kib(built.gzipBytes)} gzipped)`,
  );
}
