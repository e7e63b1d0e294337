import { expect, it } from 'vitest';
import { PNET_PREGROW_BYTES, pregrowPnetMemory } from '../src/pnet.ts';

// Every WebAssembly memory growth in this process (pnet's xsalsa20 is the only WASM user here).
const grownPages: number[] = [];
const grow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, delta: number): number {
  grownPages.push(delta);
  return grow.call(this, delta);
};

function residentBytes(): number {
  return process.memoryUsage().rss;
}

it('reserves pnet cipher memory for a 32 MiB write without making it resident', () => {
  const before = residentBytes();
  pregrowPnetMemory();
  const after = residentBytes();
  // The memory grew once, by at least what an update() of PNET_PREGROW_BYTES needs.
  expect(grownPages).toHaveLength(1);
  expect((grownPages[0] as number) * 65_536).toBeGreaterThanOrEqual(PNET_PREGROW_BYTES);
  // Untouched pages are not resident: running the keystream through them made ≥ 32 MiB resident.
  expect(after - before).toBeLessThan(PNET_PREGROW_BYTES / 4);
  // Idempotent.
  pregrowPnetMemory();
  expect(grownPages).toHaveLength(1);
});
