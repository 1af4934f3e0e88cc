/** Timings of repeated runs after a warm-up; the median is the figure to quote on a shared, noisy machine. */
export interface Timing {
  readonly warmup: number;
  readonly samplesMs: readonly number[];
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /**
   * CPU time (user + system) of this process per run, and its median. On a shared machine a single-threaded run's
   * CPU time is a steadier figure than its wall time; a multi-threaded run uses more CPU than wall time.
   */
  readonly cpuSamplesMs: readonly number[];
  readonly cpuMedianMs: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median: no samples");
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function summarize(warmup: number, samplesMs: readonly number[], cpuSamplesMs: readonly number[] = samplesMs): Timing {
  return {
    warmup,
    samplesMs,
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    cpuSamplesMs,
    cpuMedianMs: median(cpuSamplesMs),
  };
}

/**
 * Runs `fn` `warmup` times untimed, then `runs` times timed. `fn` must finish its work before it returns
 * (read a value back): the wasm and cpu backends compute synchronously, so a returned number is enough.
 * `after` runs untimed after every call (e.g. to record tf.memory()).
 */
export function timeRuns(fn: () => void, options: { warmup: number; runs: number; after?: () => void }): Timing {
  if (options.runs < 1) throw new Error(`timeRuns: runs must be >= 1, got ${options.runs}`);
  for (let i = 0; i < options.warmup; i++) {
    fn();
    options.after?.();
  }
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    options.after?.();
  }
  return summarize(options.warmup, samples, cpu);
}

/** {@link timeRuns} for a function that finishes when its promise settles (a model's supervision steps). */
export async function timeRunsAsync(fn: () => Promise<void>, options: { warmup: number; runs: number; after?: () => void }): Promise<Timing> {
  if (options.runs < 1) throw new Error(`timeRunsAsync: runs must be >= 1, got ${options.runs}`);
  for (let i = 0; i < options.warmup; i++) {
    await fn();
    options.after?.();
  }
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    options.after?.();
  }
  return summarize(options.warmup, samples, cpu);
}
