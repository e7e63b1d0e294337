/** Shared pieces of the benchmark suite: result shape, rate measurement, targets. */
import { Bench } from 'tinybench';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

export interface Suite {
  /** Result names this suite produces; `--only` selects suites by these. */
  readonly names: readonly string[];
  run(context: SuiteContext): Promise<BenchResult[]>;
}

export interface SuiteContext {
  readonly quick: boolean;
  /** Results produced earlier in the same run, so targets can refer to the bounds. */
  readonly results: ReadonlyMap<string, BenchResult>;
}

/** Operations per second of `fn`, measured by tinybench over `seconds`. */
export async function opsPerSecond(fn: () => unknown, seconds: number): Promise<number> {
  const bench = new Bench({ time: seconds * 1000, warmup: true, warmupTime: 200 });
  bench.add('task', fn);
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (!result || !('period' in result)) throw new Error('benchmark task did not complete');
  return 1000 / result.period;
}
