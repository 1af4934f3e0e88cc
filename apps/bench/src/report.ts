import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { MatMulPeak } from "./matmul-peak.js";
import { MiB } from "./memory.js";
import type { ModelBenchResult } from "./model-bench.js";
import type { MicroBatchProbe } from "./probe.js";

/** Everything one configuration's run measured, as written to bench-results/<config>-<backend>-<timestamp>.json. */
export interface RunRecord {
  readonly config: string;
  readonly backend: string;
  /** "wasm (pure)" or "wasm + native sgemm" etc. */
  readonly matMulKernel: string;
  readonly commit: string | null;
  readonly timestamp: string;
  readonly node: string;
  readonly matMulPeak: MatMulPeak;
  readonly model: ModelBenchResult;
  /** Wall-clock GFLOP/s of the step over the same run's wall-clock matMul peak. */
  readonly trainToPeak: number;
  readonly evalToPeak: number;
  /** The same ratios from CPU time: on a loaded machine the steadier figure for a single-threaded backend. */
  readonly trainToPeakCpu: number;
  readonly evalToPeakCpu: number;
  readonly microBatch: MicroBatchProbe | null;
}

/** Writes `value` as JSON to a temporary file and renames it into place, so a crash never leaves half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

export function resultFileName(config: string, backend: string, when: Date): string {
  return `${config}-${backend}-${when.toISOString().replace(/[:.]/g, "-")}.json`;
}

const f1 = (x: number): string => x.toFixed(1);
const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
const mib = (bytes: number | null): string => (bytes === null ? "-" : (bytes / MiB).toFixed(0));

export const TABLE_HEADER =
  "| config | kernel | batch | train step ms | samples/s | train GFLOP/s | train/peak (wall; cpu) | eval (16 steps) s | eval GFLOP/s | eval/peak (wall; cpu) | matMul peak GFLOP/s | numTensors flat | peak RSS MiB | wasm heap MiB | max micro-batch |\n" +
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

export function tableRow(r: RunRecord): string {
  const m = r.model;
  const probe = r.microBatch === null ? "-" : r.microBatch.summary;
  return `| ${r.config} | ${r.matMulKernel} | ${m.batch} | ${f1(m.train.medianMs)} | ${f1(m.trainSamplesPerSec)} | ${f1(m.trainGflops)} | ${pct(r.trainToPeak)}; ${pct(r.trainToPeakCpu)} | ${(m.eval.medianMs / 1000).toFixed(2)} | ${f1(m.evalGflops)} | ${pct(r.evalToPeak)}; ${pct(r.evalToPeakCpu)} | ${f1(r.matMulPeak.gflops)} | ${m.numTensorsFlat ? `yes (${m.numTensorsPerStep[0] ?? "-"})` : `NO (${m.numTensorsPerStep.join(",")})`} | ${mib(m.memory.peakRssBytes)} | ${mib(m.memory.wasmHeapBytes)} | ${probe} |`;
}
