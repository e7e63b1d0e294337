// Workers start outside tsx's loader. tsx's CommonJS hook transforms in this thread; its ESM
// `register()` would start one more module-hooks thread (another V8 isolate) per worker, which
// cost each verify worker ~0.3 s of CPU to start.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('tsx/cjs/api').register();
require('./verify-worker.ts');
