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

/**
 * Operations per second of `bound` and of `measured`, in alternating rounds of about 10 ms each
 * over `seconds` in all; each rate is from the median round. A ratio of the two is then immune
 * to load that comes and goes on a shared machine: both see the same load, and a round that a
 * context switch hit is discarded by the median instead of inflating a mean.
 */
export function pairedOpsPerSecond(
  bound: () => unknown,
  measured: () => unknown,
  seconds: number,
): { bound: number; measured: number } {
  const opsPerRound = (fn: () => unknown): number => {
    let n = 1;
    for (;;) {
      const start = performance.now();
      for (let i = 0; i < n; i++) fn();
      if (performance.now() - start >= 10) return n;
      n *= 2;
    }
  };
  const sizes = [opsPerRound(bound), opsPerRound(measured)] as const;
  const perOp: [number[], number[]] = [[], []];
  const fns = [bound, measured] as const;
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline || perOp[0].length < 5) {
    for (const k of [0, 1] as const) {
      const fn = fns[k];
      const n = sizes[k];
      const start = performance.now();
      for (let i = 0; i < n; i++) fn();
      perOp[k].push((performance.now() - start) / n);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1] as number;
  return { bound: 1000 / median(perOp[0]), measured: 1000 / median(perOp[1]) };
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
