/**
 * `pnpm demo`: six departments' nodes on this machine, one genesis from the offline ceremony, a
 * generated pipe project fed through their HTTP APIs, then the inspector and the incident replay,
 * sealed data, equivocation and tamper detection, and a summary (scripts/demo/ has the steps).
 *
 *   pnpm demo [--keep] [--segments N] [--years N]
 *
 * The defaults (3 segments, 4 years) are the smallest project the generator's joint-leak incident
 * allows. --keep leaves the network running, and prints each node's URL, token and pid, until
 * Ctrl-C (exit 0). Every process the demo starts is stopped when it ends, fails or is interrupted.
 */
import { runDemo } from './demo/main.ts';
import { cleanUp, stopAll } from './demo/network.ts';

const args = process.argv.slice(2);
const number = (flag: string, fallback: number) => {
  const i = args.indexOf(flag);
  const value = i < 0 ? fallback : Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a whole number`);
  return value;
};

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
    keep: args.includes('--keep'),
    segments: number('--segments', 3),
    years: number('--years', 4),
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
