// Preloaded into a daemon by the clock-skew fault test (NODE_OPTIONS=--import=<this file>), never
// by anything else: it sets the process's wall clock LIUHEN_CLOCK_OFFSET_MS milliseconds off, as on
// a machine whose clock is wrong. Everything the node stamps reads Date.now (entries' claimed
// times, block cut times, cosignature timestamps, log lines); the monotonic clock that timers and
// performance.now use is left alone, as a wrong wall clock would leave it.
const offset = Number(process.env.LIUHEN_CLOCK_OFFSET_MS ?? '0');
if (!Number.isSafeInteger(offset))
  throw new Error(`LIUHEN_CLOCK_OFFSET_MS=${process.env.LIUHEN_CLOCK_OFFSET_MS}`);
if (offset !== 0) {
  const now = Date.now.bind(Date);
  Date.now = () => now() + offset;
}
