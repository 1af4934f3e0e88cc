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

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("mean: no samples");
  return xs.reduce((a, b) => a + b, 0) / xs.length;
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

/** Wall-clock and CPU milliseconds of timed calls; `start` before a call, `stop` after it. */
class Stopwatch {
  readonly samples: number[] = [];
  readonly cpu: number[] = [];
  private t0 = 0;
  private c0: NodeJS.CpuUsage = { user: 0, system: 0 };

  start(): void {
    this.c0 = process.cpuUsage();
    this.t0 = performance.now();
  }

  stop(): void {
    this.samples.push(performance.now() - this.t0);
    const c = process.cpuUsage(this.c0);
    this.cpu.push((c.user + c.system) / 1000);
  }
}

type RunOptions = { warmup: number; runs: number; after?: () => void };

/**
 * Runs `fn` `warmup` times untimed, then `runs` times timed. `fn` must finish its work before it returns
 * (read a value back): the wasm and cpu backends compute synchronously, so a returned number is enough.
 * `after` runs untimed after every call (e.g. to record tf.memory()).
 */
export function timeRuns(fn: () => void, options: RunOptions): Timing {
  if (options.runs < 1) throw new Error(`timeRuns: runs must be >= 1, got ${options.runs}`);
  const watch = new Stopwatch();
  for (let i = 0; i < options.warmup + options.runs; i++) {
    const timed = i >= options.warmup;
    if (timed) watch.start();
    fn();
    if (timed) watch.stop();
    options.after?.();
  }
  return summarize(options.warmup, watch.samples, watch.cpu);
}

/** {@link timeRuns} for a function that finishes when its promise settles (a model's supervision steps). */
export async function timeRunsAsync(fn: () => Promise<void>, options: RunOptions): Promise<Timing> {
  if (options.runs < 1) throw new Error(`timeRunsAsync: runs must be >= 1, got ${options.runs}`);
  const watch = new Stopwatch();
  for (let i = 0; i < options.warmup + options.runs; i++) {
    const timed = i >= options.warmup;
    if (timed) watch.start();
    await fn();
    if (timed) watch.stop();
    options.after?.();
  }
  return summarize(options.warmup, watch.samples, watch.cpu);
}
