/** Mean, standard deviation (population) and largest magnitude of a sample, in one pass. */
export function moments(x: ArrayLike<number>): { mean: number; sd: number; max: number } {
  let s = 0;
  let s2 = 0;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] ?? 0;
    s += v;
    s2 += v * v;
    max = Math.max(max, Math.abs(v));
  }
  const mean = s / x.length;
  return { mean, sd: Math.sqrt(s2 / x.length - mean * mean), max };
}
