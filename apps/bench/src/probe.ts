import { spawnSync } from "node:child_process";
import { MiB } from "./memory.js";

/** What one child process reports after a training step at a given micro-batch. */
export interface ProbeChildResult {
  readonly batch: number;
  readonly ok: boolean;
  readonly wasmHeapBytes: number | null;
  readonly peakRssBytes: number;
  /** Peak bytes of live tensors during the step (tf.profile's peakBytes); null when the step did not run. */
  readonly peakTensorBytes: number | null;
  readonly detail: string;
}

export interface MicroBatchProbe {
  readonly tried: readonly ProbeChildResult[];
  /** The largest micro-batch whose training step ran, or null when none did. */
  readonly largestFitting: number | null;
  /** The first micro-batch that failed (Aborted() heap, out of memory), or null if every one tried ran. */
  readonly firstFailing: number | null;
  readonly summary: string;
}

export interface ProbeOptions {
  /** Path of the compiled cli.js to run as the child. */
  readonly cli: string;
  readonly config: string;
  readonly backend: string;
  readonly webgpuFlags?: readonly string[];
  readonly native: boolean;
  readonly start: number;
  readonly max: number;
  /** Stop doubling once the children have taken this long in total. */
  readonly budgetMs: number;
}

/**
 * Finds the largest micro-batch whose training step runs, by doubling from `start` in child processes: a wasm heap
 * that runs out ends in Aborted(), which can take the whole process with it.
 */
export function probeMicroBatch(options: ProbeOptions): MicroBatchProbe {
  const tried: ProbeChildResult[] = [];
  const t0 = Date.now();
  let batch = options.start;
  while (batch <= options.max && Date.now() - t0 < options.budgetMs) {
    const args = [options.cli, "--probe-child", "--config", options.config, "--backend", options.backend, "--batch", String(batch)];
    if (options.native) args.push("--native");
    for (const f of options.webgpuFlags ?? []) args.push("--webgpu-flag", f);
    const run = spawnSync(process.execPath, args, { encoding: "utf8", timeout: Math.max(60_000, options.budgetMs), maxBuffer: 16 * MiB });
    const line = run.stdout.split("\n").find((l) => l.startsWith("{"));
    let result: ProbeChildResult;
    if (run.status === 0 && line !== undefined) {
      result = JSON.parse(line) as ProbeChildResult;
    } else {
      const why = run.error?.message ?? (run.stderr.match(/Aborted\([^)]*\)|RangeError[^\n]*|out of memory[^\n]*/i)?.[0] ?? `exit ${run.status ?? run.signal}`);
      result = { batch, ok: false, wasmHeapBytes: null, peakRssBytes: 0, peakTensorBytes: null, detail: why.slice(0, 200) };
    }
    tried.push(result);
    if (!result.ok) break;
    batch *= 2;
  }
  const ok = tried.filter((t) => t.ok);
  const largest = ok.length > 0 ? Math.max(...ok.map((t) => t.batch)) : null;
  const failing = tried.find((t) => !t.ok)?.batch ?? null;
  const best = ok.find((t) => t.batch === largest);
  const heap =
    best?.wasmHeapBytes != null
      ? `, tensors ${((best.peakTensorBytes ?? 0) / MiB).toFixed(0)} MiB of heap ${(best.wasmHeapBytes / MiB).toFixed(0)} MiB`
      : "";
  const summary =
    largest === null
      ? `none (${tried[0]?.detail ?? "not run"})`
      : failing === null
        ? `>= ${largest}${heap} (stopped at the cap or time budget)`
        : `${largest}${heap}; ${failing} fails`;
  return { tried, largestFitting: largest, firstFailing: failing, summary };
}
