/** A metric over several seeds: mean, range, and the 95% interval of the mean (Student's t). */
export interface Spread {
  readonly n: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /**
   * 95% interval of the mean: mean ± t(0.975, n - 1) · sd / √n, cut to the metric's possible range when one is given
   * (an accuracy cannot pass 100%); the mean itself when n = 1.
   */
  readonly lo: number;
  readonly hi: number;
}

// t(0.975, df) for df = 1..30; beyond, the normal 1.96.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093,
  2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The spread of `values` (one per seed), the interval cut to `range` [lowest, highest] if given; throws on an empty list. */
export function spreadOf(values: readonly number[], range?: readonly [number, number]): Spread {
  const n = values.length;
  if (n === 0) throw new RangeError("spreadOf: no values");
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (n === 1) return { n, mean, min, max, lo: mean, hi: mean };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = (T975[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  const [floor, ceiling] = range ?? [-Infinity, Infinity];
  return { n, mean, min, max, lo: Math.max(floor, mean - half), hi: Math.min(ceiling, mean + half) };
}

/** Whether two 95% intervals share a point: then the seeds do not tell the two apart. */
export function intervalsOverlap(a: Spread, b: Spread): boolean {
  return a.lo <= b.hi && b.lo <= a.hi;
}

/** "96.1% (min 93.0%, max 97.2%; 95% interval 90.1%..100.0%)", or just the value for one seed. */
export function formatSpread(s: Spread, format: (x: number) => string): string {
  if (s.n === 1) return format(s.mean);
  return `${format(s.mean)} (range ${format(s.min)}..${format(s.max)}; 95% interval ${format(s.lo)}..${format(s.hi)})`;
}
