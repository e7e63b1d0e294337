/**
 * The demo network's simulated clock, preloaded into the daemons and CLI runs the demo starts
 * (`node --import`). A project's history spans years, and a live network judges every entry by
 * the time its witnesses first cosigned it (late recording, 补录, after 24 h): replayed on real
 * time, every historical entry would be a late recording. So each process's `Date.now` follows
 * the project's timeline instead: it starts at LIUHEN_DEMO_CLOCK (ms since the epoch) and the
 * demo moves it forward over IPC (`{ clock: ms }`, answered `{ clock: ms }` once in force),
 * always forward, a few hours past the entries it is about to post. Between moves the clock runs
 * at real speed, so blocks, cosignatures and timeouts behave as they do on a real clock.
 * Everything else is real: keys, signatures, blocks, cosignatures, LevelDB, libp2p.
 */
import { isMainThread } from 'node:worker_threads';

const start = Number(process.env.LIUHEN_DEMO_CLOCK);
// Worker threads (signature checks) keep the real clock, which is never behind the simulated one.
if (isMainThread && Number.isFinite(start) && start > 0) {
  const realNow = Date.now.bind(Date);
  let offset = start - realNow();
  Date.now = () => realNow() + offset;
  if (typeof process.send === 'function') {
    process.on('message', (message) => {
      if (typeof message?.clock !== 'number') return;
      // Forward only: a clock that went back would make cosignatures older than their checkpoints.
      offset = Math.max(offset, message.clock - realNow());
      process.send?.({ clock: realNow() + offset });
    });
    // The IPC channel must not keep a daemon alive once it has stopped everything else.
    process.channel?.unref();
  }
}
