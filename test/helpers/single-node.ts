/**
 * The end of a suite that ran one daemon from one data directory (scripts/lib/node-process.ts):
 * stopped, whatever else the suite started killed, and the directory removed, including after a
 * set-up that failed half-way.
 */
import { type PreparedNode, type RunningNode, removeDir, stopAll } from '../../scripts/lib/node-process.ts';

/** Stops `node` (if it started) with `signal`, kills any other daemon, removes `prepared`'s directory. */
export async function removeNode(
  node: RunningNode | undefined,
  prepared: PreparedNode | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  await node?.stop(signal);
  await stopAll();
  if (prepared) removeDir(prepared.dir);
}
