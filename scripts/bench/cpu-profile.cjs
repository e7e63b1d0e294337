// Preload for profiling processes the benchmarks start (`--cpu-prof` is refused in NODE_OPTIONS):
//   BENCH_DAEMON_NODE_OPTIONS="--require ./scripts/bench/cpu-profile.cjs" CPU_PROFILE_DIR=/tmp/prof pnpm bench --only http
// writes <CPU_PROFILE_DIR>/<pid>.cpuprofile when the process exits; open it in Chrome DevTools.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (error, result) => {
    if (!error) {
      const file = join(process.env.CPU_PROFILE_DIR ?? '.', `${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
    }
  });
});
