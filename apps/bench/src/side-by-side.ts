import * as tf from "@tensorflow/tfjs-core";
import { registerNativeKernels, unregisterNativeKernels } from "@trm/native-kernels";
import { findConfig, flopShapeOf } from "./configs.js";
import { memorySnapshot } from "./memory.js";
import { benchModel, createModel, createTrainLoop, randomBatch, type ModelBenchOptions, type ModelBenchResult } from "./model-bench.js";
import { median } from "./stats.js";

/** One configuration timed on pure wasm and with the native kernels, alternately. */
export interface SideBySideRow {
  readonly config: string;
  readonly batch: number;
  /** Per round: the median training step (ms) and the evaluation (ms) of each kernel set. */
  readonly wasm: { readonly trainMs: number[]; readonly evalMs: number[]; readonly trainCpuMs: number[] };
  readonly native: { readonly trainMs: number[]; readonly evalMs: number[]; readonly trainCpuMs: number[] };
  readonly numTensorsFlat: boolean;
}

/**
 * Times `name` `rounds` times on each kernel set, alternating (wasm, native, wasm, native, ...) so a change of load on
 * a shared machine hits both alike. Leaves the native kernels registered as they were found.
 */
export async function sideBySide(name: string, rounds: number, options: ModelBenchOptions): Promise<SideBySideRow> {
  const config = findConfig(name);
  const row = {
    config: name,
    batch: options.batch ?? config.batch,
    wasm: { trainMs: [] as number[], evalMs: [] as number[], trainCpuMs: [] as number[] },
    native: { trainMs: [] as number[], evalMs: [] as number[], trainCpuMs: [] as number[] },
    numTensorsFlat: true,
  };
  const record = (into: typeof row.wasm, r: ModelBenchResult): void => {
    into.trainMs.push(r.train.medianMs);
    into.trainCpuMs.push(r.train.cpuMedianMs);
    into.evalMs.push(r.eval.medianMs);
    row.numTensorsFlat &&= r.numTensorsFlat;
  };
  for (let i = 0; i < rounds; i++) {
    unregisterNativeKernels();
    record(row.wasm, await benchModel(config, options));
    const reg = registerNativeKernels();
    if (!reg.registered) throw new Error(`--side-by-side: the native kernels are not available: ${reg.reason}`);
    record(row.native, await benchModel(config, options));
  }
  return row;
}

export const SIDE_BY_SIDE_HEADER =
  "| config | batch | wasm train step ms | native train step ms | train speed-up | wasm eval (16 steps) s | native eval s | eval speed-up | numTensors flat |\n" +
  "|---|---|---|---|---|---|---|---|---|";

export function sideBySideRow(r: SideBySideRow): string {
  const [wt, nt, we, ne] = [median(r.wasm.trainMs), median(r.native.trainMs), median(r.wasm.evalMs), median(r.native.evalMs)];
  return `| ${r.config} | ${r.batch} | ${wt.toFixed(1)} | ${nt.toFixed(1)} | ${(wt / nt).toFixed(2)}x | ${(we / 1000).toFixed(2)} | ${(ne / 1000).toFixed(2)} | ${(we / ne).toFixed(2)}x | ${r.numTensorsFlat ? "yes" : "NO"} |`;
}

/** numTensors and RSS over a long run of training steps. */
export interface SoakResult {
  readonly config: string;
  readonly steps: number;
  /** [step, numTensors, rss MiB] every steps/10 steps. */
  readonly samples: readonly (readonly [number, number, number])[];
  readonly numTensorsFlat: boolean;
  /** RSS at the end over RSS after the first tenth (the heap and the allocator settle in the first steps). */
  readonly rssGrowth: number;
  readonly flat: boolean;
}

/** RSS may drift by this fraction between the first tenth and the end of a soak (allocator noise), no more. */
export const SOAK_RSS_TOLERANCE = 0.1;

export async function soak(name: string, steps: number, batchOverride: number | null): Promise<SoakResult> {
  const config = findConfig(name);
  const model = createModel(config);
  try {
    const batchSize = batchOverride ?? config.batch;
    const shape = flopShapeOf(config.kind, model.config, batchSize);
    const loop = createTrainLoop(model, randomBatch(batchSize, shape.seqLen, shape.vocab));
    const samples: [number, number, number][] = [];
    const every = Math.max(1, Math.floor(steps / 10));
    try {
      for (let i = 1; i <= steps; i++) {
        await loop.step();
        if (i % every === 0 || i === steps) samples.push([i, tf.memory().numTensors, memorySnapshot().rssBytes / 2 ** 20]);
      }
    } finally {
      loop.dispose();
    }
    const counts = samples.map((s) => s[1]);
    const numTensorsFlat = counts.every((c) => c === counts[0]);
    const rssGrowth = (samples[samples.length - 1]?.[2] ?? 0) / (samples[0]?.[2] ?? 1) - 1;
    return { config: name, steps, samples, numTensorsFlat, rssGrowth, flat: numTensorsFlat && rssGrowth <= SOAK_RSS_TOLERANCE };
  } finally {
    model.dispose();
  }
}
