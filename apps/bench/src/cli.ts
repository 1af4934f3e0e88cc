#!/usr/bin/env node
import { execSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@trm/core";
import { registerNativeKernels, unregisterNativeKernels } from "@trm/native-kernels";
import { parseArgs, USAGE, type BenchArgs } from "./args.js";
import { ceilingTable, measureCeiling } from "./ceiling.js";
import { findConfig } from "./configs.js";
import { benchData } from "./data-bench.js";
import { measureMatMulPeak } from "./matmul-peak.js";
import { memorySnapshot } from "./memory.js";
import { benchModel, createModel, createTrainLoop, randomBatch, type ModelBenchOptions } from "./model-bench.js";
import { flopShapeOf } from "./configs.js";
import { probeMicroBatch, type ProbeChildResult } from "./probe.js";
import { resultFileName, TABLE_HEADER, tableRow, writeJsonAtomic, type RunRecord } from "./report.js";
import { checkTorchPython, checkTorchScript, DEFAULT_TORCH_BENCH, REPO_ROOT, TorchBenchError } from "./torch-ref.js";
import { VS_TORCH_HEADER, vsTorch, vsTorchRows, type VsTorchRow } from "./vs-torch.js";
import { SIDE_BY_SIDE_HEADER, sideBySide, sideBySideRow, soak, type SideBySideRow } from "./side-by-side.js";

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function commit(): string | null {
  try {
    return execSync("git rev-parse --short HEAD", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

/** Selects the backend and, when asked, the native kernels; returns the kernels' label for the tables. */
async function setup(args: BenchArgs): Promise<{ kernel: string; detail: string }> {
  // --vs-torch runs this project as fast as it goes here: with the native kernels when they load.
  const native = args.native || args.vsTorch;
  const info = await useBackend(args.backend, { log: args.probeChild ? null : err, native, webgpuFlags: args.webgpuFlags });
  if (native && info.native?.active !== true) err(`native kernels not used: ${info.native?.detail ?? "the backend is not wasm"}`);
  const kernel = info.native?.active === true ? `${args.backend}+native` : args.backend;
  return { kernel, detail: info.native === null ? kernel : info.native.active ? `${kernel} (${info.native.detail})` : `${kernel} (native kernels off: ${info.native.detail})` };
}

/** The micro-batch probe's child: one training step at --batch, then a JSON line. */
async function probeChild(args: BenchArgs): Promise<void> {
  const config = findConfig(args.configs[0] ?? "");
  const batchSize = args.batch ?? config.batch;
  const model = createModel(config);
  const shape = flopShapeOf(config.kind, model.config, batchSize);
  const loop = createTrainLoop(model, randomBatch(batchSize, shape.seqLen, shape.vocab));
  // tf.profile reports the peak bytes of live tensors during the step: the heap's real high-water mark, where the
  // wasm memory size only says how far the heap has grown.
  const info = await tf.profile(() => loop.step());
  loop.dispose();
  model.dispose();
  const m = memorySnapshot();
  const result: ProbeChildResult = {
    batch: batchSize, ok: true, wasmHeapBytes: m.wasmHeapBytes, peakRssBytes: m.peakRssBytes, peakTensorBytes: info.peakBytes, detail: "ran",
  };
  out(JSON.stringify(result));
}

async function runVsTorch(args: BenchArgs, modelOptions: ModelBenchOptions, kernel: string, kernelDetail: string): Promise<void> {
  const script = args.torchBench === null ? path.resolve(REPO_ROOT, DEFAULT_TORCH_BENCH) : path.resolve(args.torchBench);
  checkTorchScript(script);
  err(`bench: ${args.torchPython} has torch ${checkTorchPython(args.torchPython)}`);
  const rows: VsTorchRow[] = [];
  for (const name of args.configs) {
    err(`bench: ${name} against PyTorch (${script}), ${args.rounds} interleaved round(s) ...`);
    const row = await vsTorch(findConfig(name), {
      rounds: args.rounds, model: modelOptions, eval: args.eval, python: args.torchPython, script, kernel, matchHalt: args.torchMatchHalt, progress: err,
    });
    if (row.notComparable !== null) err(`bench: ${name}: ${row.notComparable}`);
    for (const n of row.notes) err(`bench: ${name}: note: ${n}`);
    if (row.rounds.some((r) => !r.numTensorsFlat)) {
      err(`bench: ${name}: numTensors not flat across our steps`);
      process.exitCode = 1;
    }
    rows.push(row);
  }
  const when = new Date();
  const sha = commit();
  writeJsonAtomic(path.join(args.outDir, resultFileName("vs-torch", args.backend, when)), {
    commit: sha, timestamp: when.toISOString(), node: process.version, kernel: kernelDetail, torchBench: script, torchPython: args.torchPython,
    rounds: args.rounds, runs: args.runs, warmup: args.warmup, eval: args.eval, evalRuns: args.evalRuns, evalWarmup: args.evalWarmup, evalSteps: args.evalSteps, rows,
  });
  out(`\n### This project (${kernelDetail}) vs the PyTorch reference (commit ${sha ?? "?"})\n`);
  out(`Per round, interleaved: ours, then PyTorch at 1 thread / 1 BLAS thread, then 1 / 2. Train: mean (and our median) of ${args.runs} training step(s) after ${args.warmup} warm-up` +
    (args.eval ? `; eval: ${args.evalRuns} full evaluation(s) of ${args.evalSteps} steps after ${args.evalWarmup} warm-up evaluation(s).` : "; no evaluation (--no-eval).") +
    " Ratio = PyTorch's faster setting / ours, by mean: above 1, this project is faster.\n");
  out(VS_TORCH_HEADER);
  for (const r of rows) for (const line of vsTorchRows(r)) out(line);
  const notes = rows.flatMap((r) => r.notes.map((n) => `- ${r.config}: ${n}`));
  if (notes.length > 0) out(`\n${notes.join("\n")}`);
  if (rows.length > 0 && rows.every((r) => r.notComparable !== null)) {
    err("bench: --vs-torch compared nothing: bench.py cannot express any of the configurations asked for.");
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return out(USAGE);
  const { kernel, detail: kernelDetail } = await setup(args);
  if (args.probeChild) return probeChild(args);

  if (args.ceiling) {
    const rows = [];
    unregisterNativeKernels();
    rows.push(measureCeiling(tf.getBackend(), { warmup: args.warmup, runs: args.runs }));
    const r = registerNativeKernels();
    if (r.registered) rows.push(measureCeiling(`${tf.getBackend()}+native`, { warmup: args.warmup, runs: args.runs }));
    else err(`native kernels not measured: ${r.reason}`);
    if (!args.native) unregisterNativeKernels();
    const when = new Date();
    writeJsonAtomic(path.join(args.outDir, resultFileName("ceiling", args.backend, when)), { commit: commit(), timestamp: when.toISOString(), rows });
    out(`\n### Ceiling: pure ${tf.getBackend()} vs native kernels (median of ${args.runs})\n`);
    out(ceilingTable(rows));
  }

  const modelOptions = {
    warmup: args.warmup,
    runs: args.runs,
    evalWarmup: args.evalWarmup,
    evalRuns: args.evalRuns,
    evalSteps: args.evalSteps,
    ...(args.batch === null ? {} : { batch: args.batch }),
  };
  if (args.vsTorch) return runVsTorch(args, modelOptions, kernel, kernelDetail);
  if (args.sideBySide) {
    const rows: SideBySideRow[] = [];
    for (const name of args.configs) {
      err(`bench: ${name}, pure wasm and native kernels alternately (${args.rounds} rounds) ...`);
      const row = await sideBySide(name, args.rounds, modelOptions);
      rows.push(row);
      err(`  ${sideBySideRow(row)}`);
      if (!row.numTensorsFlat) process.exitCode = 1;
    }
    if (!args.native) unregisterNativeKernels();
    const when = new Date();
    writeJsonAtomic(path.join(args.outDir, resultFileName("side-by-side", args.backend, when)), { commit: commit(), timestamp: when.toISOString(), rounds: args.rounds, rows });
    out(`\n### Pure wasm vs native kernels (commit ${commit() ?? "?"}; medians over ${args.rounds} alternating rounds, each the median of ${args.runs} training steps after ${args.warmup} warm-up and ${args.evalRuns} evaluation(s) of ${args.evalSteps} steps)\n`);
    out(SIDE_BY_SIDE_HEADER);
    for (const r of rows) out(sideBySideRow(r));
  }
  if (args.soak > 0) {
    out(`\n### Memory over ${args.soak} training steps (${kernel})\n`);
    out("| config | steps | numTensors (first, last) | RSS MiB (first tenth, end) | flat |\n|---|---|---|---|---|");
    for (const name of args.configs) {
      err(`bench: ${name}, ${args.soak} training steps for the memory soak ...`);
      const r = await soak(name, args.soak, args.batch);
      const [first, last] = [r.samples[0], r.samples[r.samples.length - 1]];
      out(`| ${name} | ${r.steps} | ${first?.[1] ?? "-"}, ${last?.[1] ?? "-"} | ${first?.[2].toFixed(0) ?? "-"}, ${last?.[2].toFixed(0) ?? "-"} | ${r.flat ? "yes" : "NO"} |`);
      if (!r.flat) {
        err(`bench: ${name}: memory not flat over ${r.steps} steps: ${r.samples.map((s) => `${s[0]}: ${s[1]} tensors, ${s[2].toFixed(0)} MiB`).join("; ")}`);
        process.exitCode = 1;
      }
    }
    return;
  }
  if (args.sideBySide) return;

  const records: RunRecord[] = [];
  const cli = fileURLToPath(import.meta.url);
  for (const name of args.configs) {
    const config = findConfig(name);
    err(`bench: ${name} ...`);
    const peakBefore = measureMatMulPeak({ warmup: 1, runs: 5 });
    const model = await benchModel(config, modelOptions);
    // The peak again after the model: on a shared machine the load drifts, so the better of the two is the
    // ceiling the ratios compare against (the conservative choice).
    const peakAfter = measureMatMulPeak({ warmup: 1, runs: 5 });
    const peak = {
      ...(peakAfter.gflops > peakBefore.gflops ? peakAfter : peakBefore),
      gflopsCpu: Math.max(peakBefore.gflopsCpu, peakAfter.gflopsCpu),
      gflopsBeforeAfter: [peakBefore.gflops, peakAfter.gflops] as const,
    };
    const microBatch = args.probe
      ? probeMicroBatch({ cli, config: name, backend: args.backend, webgpuFlags: args.webgpuFlags, native: args.native, start: model.batch, max: args.probeMax, budgetMs: args.probeBudgetSec * 1000 })
      : null;
    const when = new Date();
    const record: RunRecord = {
      config: name,
      backend: args.backend,
      matMulKernel: kernel,
      commit: commit(),
      timestamp: when.toISOString(),
      node: process.version,
      matMulPeak: peak,
      model,
      trainToPeak: model.trainGflops / peak.gflops,
      evalToPeak: model.evalGflops / peak.gflops,
      trainToPeakCpu: model.trainGflopsCpu / peak.gflopsCpu,
      evalToPeakCpu: model.evalGflopsCpu / peak.gflopsCpu,
      microBatch,
    };
    writeJsonAtomic(path.join(args.outDir, resultFileName(name, args.backend, when)), record);
    records.push(record);
    err(`  ${tableRow(record)}`);
    if (!model.numTensorsFlat) {
      err(`bench: ${name}: numTensors not flat across steps: ${model.numTensorsPerStep.join(", ")}`);
      process.exitCode = 1;
    }
  }
  if (records.length > 0) {
    out(`\n### Models (${args.backend}, commit ${records[0]?.commit ?? "?"}, median of ${args.runs} training steps after ${args.warmup} warm-up; ${args.evalRuns} evaluation(s) of ${args.evalSteps} steps)\n`);
    out(TABLE_HEADER);
    for (const r of records) out(tableRow(r));
  }

  if (args.data) {
    const d = benchData({ sudokuCount: 200, mazeCount: 50, datasetPuzzles: 1000, augmentations: 1000 });
    writeJsonAtomic(path.join(args.outDir, resultFileName("data", "none", new Date())), d);
    out("\n### Data\n");
    out("| what | figure |\n|---|---|");
    out(`| unique 9x9 Sudoku (generate + prove unique) | ${d.sudokuPerSec.toFixed(1)} /s |`);
    out(`| 30x30 mazes | ${d.mazePerSec.toFixed(1)} /s |`);
    out(`| Sudoku set build, 1,000 puzzles x 1,000 augmentations (${d.sudokuDatasetExamples} examples) | ${(d.sudokuDatasetBuildMs / 1000).toFixed(2)} s |`);
  }
}

main().catch((e: unknown) => {
  // bench.py's failure is said in full by its message (command, what went wrong, its stderr): no stack under it.
  err(e instanceof TorchBenchError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
