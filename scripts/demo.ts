/**
 * `pnpm demo`: six departments' nodes on this machine, one genesis from the offline ceremony, a
 * generated pipe project fed through their HTTP APIs, then the inspector and the incident replay,
 * sealed data, equivocation and tamper detection, and a summary (scripts/demo/ has the steps).
 *
 *   pnpm demo [--keep] [--segments N ≥ 3] [--years N ≥ 4]
 *
 * The defaults (3 segments, 4 years) are the smallest project the generator's joint-leak incident
 * allows. --keep leaves the network running, and prints each node's URL, token and pid, until
 * Ctrl-C (exit 0). Every process the demo starts is stopped when it ends, fails or is interrupted.
 */
import { parseArgs } from 'node:util';
import { runDemo } from './demo/main.ts';
import { cleanUp, stopAll } from './demo/network.ts';

const USAGE = 'usage: pnpm demo [--keep] [--segments N ≥ 3] [--years N ≥ 4]';
/** Bad arguments get the usage line and exit 2, before any process starts. */
function usageError(problem: string): never {
  console.error(`demo: ${problem}\n${USAGE}`);
  process.exit(2);
}
// The generator's joint-leak incident, which the demo walks through, needs 3 segments and 4 years.
function wholeNumber(flag: string, text: string | undefined, least: number): number {
  if (text === undefined) return least;
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) usageError(`--${flag} must be a whole number ≥ ${least}`);
  return value;
}

function demoOptions() {
  let values: { keep?: boolean; segments?: string; years?: string };
  try {
    ({ values } = parseArgs({
      options: { keep: { type: 'boolean' }, segments: { type: 'string' }, years: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  return {
    keep: values.keep === true,
    segments: wholeNumber('segments', values.segments, 3),
    years: wholeNumber('years', values.years, 4),
  };
}
const options = demoOptions();

let interrupt: () => void = () => undefined;
const interrupted = new Promise<void>((resolve) => {
  interrupt = resolve;
});
const state = { waiting: false };
let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (signalled) process.exit(130);
    signalled = true;
    console.log('\nstopping the network…');
    interrupt();
    // With --keep, the demo is waiting for this and stops the network itself; otherwise the steps
    // are cut short here.
    if (!state.waiting)
      void stopAll()
        .then(cleanUp)
        .finally(() => process.exit(130));
  });
}

try {
  await runDemo({
    ...options,
    interrupted,
    state,
  });
  console.log('\nDone: every process the demo started has stopped.');
} catch (error) {
  if (!signalled) {
    console.error(`\ndemo failed: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  }
}
