import { loadavg } from "node:os";
import type { BenchConfig } from "./configs.js";
import { benchModel, type ModelBenchOptions, type ModelBenchResult } from "./model-bench.js";
import { mean, median } from "./stats.js";
import { runTorchBench, torchBenchArgs, type TorchBenchResult, type TorchMapping, type TorchRun } from "./torch-ref.js";

/** The two PyTorch settings of every round: torch intra-op threads / OpenBLAS threads. */
export const TORCH_SETTINGS = [
  { threads: 1, blasThreads: 1, label: "1/1" },
  { threads: 1, blasThreads: 2, label: "1/2" },
] as const;

/** One timed quantity (a training step or a full evaluation) in ms, ours or one PyTorch setting. */
export interface Measure {
  readonly meanMs: number;
  /** Ours only: bench.py reports a mean (with min and max), not a median. */
  readonly medianMs: number | null;
  readonly minMs: number;
  readonly maxMs: number;
}

export interface VsTorchRound {
  readonly loadStart: number;
  readonly loadEnd: number;
  readonly oursTrain: Measure;
  readonly oursEval: Measure | null;
  /** Per {@link TORCH_SETTINGS} entry, in order. */
  readonly torchTrain: readonly Measure[];
  readonly torchEval: readonly Measure[] | null;
  /** PyTorch's best (lowest mean) setting over ours (mean): above 1, this project is faster. */
  readonly trainRatio: number;
  readonly evalRatio: number | null;
  readonly numTensorsFlat: boolean;
}

export interface RatioSummary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface VsTorchRow {
  readonly config: string;
  readonly batch: number;
  readonly kernel: string;
  /** Set when bench.py cannot express the configuration; then there are no rounds. */
  readonly notComparable: string | null;
  readonly notes: readonly string[];
  readonly torchArgs: readonly string[];
  /** torch's version as bench.py reported it. */
  readonly torchVersion: string | null;
  readonly rounds: readonly VsTorchRound[];
  readonly train: RatioSummary | null;
  readonly eval: RatioSummary | null;
}

/** PyTorch's best setting over ours, by mean time: above 1, this project is faster. */
export function ratio(torch: readonly Measure[], ours: Measure): number {
  if (torch.length === 0) throw new Error("ratio: no PyTorch measurement");
  return Math.min(...torch.map((t) => t.meanMs)) / ours.meanMs;
}

export function summarizeRatios(ratios: readonly number[]): RatioSummary | null {
  if (ratios.length === 0) return null;
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** bench.py --infer warm-up forward steps for our `evalWarmup` full evaluations of `evalSteps` steps (at least 1). */
export function torchEvalWarmup(evalWarmup: number, evalSteps: number): number {
  return Math.max(1, evalWarmup * evalSteps);
}

export function ourMeasure(samplesMs: readonly number[], medianMs: number): Measure {
  return { meanMs: mean(samplesMs), medianMs, minMs: Math.min(...samplesMs), maxMs: Math.max(...samplesMs) };
}

export function torchMeasure(r: TorchBenchResult): Measure {
  return { meanMs: r.secMean * 1000, medianMs: null, minMs: r.secMin * 1000, maxMs: r.secMax * 1000 };
}

export interface VsTorchOptions {
  readonly rounds: number;
  readonly model: ModelBenchOptions;
  /** Time one full evaluation on each side. */
  readonly eval: boolean;
  readonly python: string;
  readonly script: string;
  readonly kernel: string;
  readonly matchHalt: boolean;
  readonly progress: (line: string) => void;
  /** Seams for tests; default: in-process {@link benchModel} and bench.py as a child process. */
  readonly runOurs?: (config: BenchConfig, options: ModelBenchOptions) => Promise<ModelBenchResult>;
  readonly runTorch?: (run: TorchRun) => Promise<TorchBenchResult>;
}

/**
 * Times one configuration `rounds` times, interleaved: ours (training steps, then one evaluation), then PyTorch at
 * 1 thread / 1 BLAS thread, then 1 thread / 2 BLAS threads, so a change of load on a shared machine hits all alike.
 * Ours and bench.py get the same warm-up (training steps; for the evaluation the same number of forward steps).
 */
export async function vsTorch(config: BenchConfig, options: VsTorchOptions): Promise<VsTorchRow> {
  const batch = options.model.batch ?? config.batch;
  const mapping = torchBenchArgs(config, { matchHalt: options.matchHalt });
  const base = { config: config.name, batch, kernel: options.kernel };
  if (!mapping.ok) return { ...base, notComparable: mapping.reason, notes: [], torchArgs: [], torchVersion: null, rounds: [], train: null, eval: null };
  const described = { ...base, notes: mapping.notes, torchArgs: mapping.args };
  const torch = { version: null as string | null };
  try {
    const rounds = await timeRounds(config, mapping, batch, options, torch);
    return {
      ...described,
      notComparable: null,
      torchVersion: torch.version,
      rounds,
      train: summarizeRatios(rounds.map((r) => r.trainRatio)),
      eval: options.eval ? summarizeRatios(rounds.map((r) => r.evalRatio as number)) : null,
    };
  } catch (e) {
    if (!(e instanceof ParamsDiffer)) throw e;
    return { ...described, notComparable: e.message, torchVersion: torch.version, rounds: [], train: null, eval: null };
  }
}

async function timeRounds(config: BenchConfig, mapping: TorchMapping, batch: number, options: VsTorchOptions, torch: { version: string | null }): Promise<VsTorchRound[]> {
  const ours = { ...config, model: mapping.model };
  const runOurs = options.runOurs ?? benchModel;
  const runTorch = options.runTorch ?? runTorchBench;
  const evalSteps = options.model.evalSteps;
  const timeTorch = async (run: TorchRun): Promise<Measure> => {
    const r = await runTorch(run);
    torch.version ??= r.torch;
    if (r.params !== null && r.params !== mapping.params) throw new ParamsDiffer(`not comparable: parameter count differs (ours ${mapping.params}, bench.py ${r.params})`);
    return torchMeasure(r);
  };
  const rounds: VsTorchRound[] = [];
  for (let i = 0; i < options.rounds; i++) {
    const loadStart = loadavg()[0] ?? 0;
    const tag = `${config.name} round ${i + 1}/${options.rounds}`;
    options.progress(`bench: ${tag}: ours (${options.kernel}) ...`);
    // benchModel always ends with an evaluation: without --eval it is cut to one supervision step, and not reported.
    const o = await runOurs(ours, options.eval ? options.model : { ...options.model, evalWarmup: 0, evalRuns: 1, evalSteps: 1 });
    const oursTrain = ourMeasure(o.train.samplesMs, o.train.medianMs);
    const oursEval = options.eval ? ourMeasure(o.eval.samplesMs, o.eval.medianMs) : null;
    const torchTrain: Measure[] = [];
    const torchEval: Measure[] = [];
    for (const s of TORCH_SETTINGS) {
      options.progress(`bench: ${tag}: PyTorch ${s.label} threads ...`);
      const common = { python: options.python, script: options.script, modelArgs: mapping.args, batch, threads: s.threads, blasThreads: s.blasThreads };
      torchTrain.push(await timeTorch({ ...common, mode: "train", steps: options.model.runs, warmup: options.model.warmup }));
      if (options.eval) {
        // bench.py's --infer warm-up counts forward steps, ours full evaluations of evalSteps steps. Its evaluation
        // runs in a fresh process where ours follows the training steps: at least one forward step (its default).
        torchEval.push(await timeTorch({ ...common, mode: "infer", steps: options.model.evalRuns, warmup: torchEvalWarmup(options.model.evalWarmup, evalSteps) }));
      }
    }
    const round: VsTorchRound = {
      loadStart,
      loadEnd: loadavg()[0] ?? 0,
      oursTrain,
      oursEval,
      torchTrain,
      torchEval: options.eval ? torchEval : null,
      trainRatio: ratio(torchTrain, oursTrain),
      evalRatio: oursEval === null ? null : ratio(torchEval, oursEval),
      numTensorsFlat: o.numTensorsFlat,
    };
    rounds.push(round);
    options.progress(`  ${tag}: ${roundSummary(round)}`);
  }
  return rounds;
}

/** bench.py built a model of another size than ours: the mapping missed a difference. */
class ParamsDiffer extends Error {}

const ms = (m: Measure): string => m.meanMs.toFixed(1);
const x2 = (v: number): string => `${v.toFixed(2)}x`;

function roundSummary(r: VsTorchRound): string {
  const t = `train ours ${ms(r.oursTrain)} ms vs PyTorch ${r.torchTrain.map(ms).join(" / ")} ms -> ${x2(r.trainRatio)}`;
  const e = r.oursEval === null || r.torchEval === null || r.evalRatio === null ? "" : `; eval ours ${ms(r.oursEval)} ms vs PyTorch ${r.torchEval.map(ms).join(" / ")} ms -> ${x2(r.evalRatio)}`;
  return `${t}${e} (load ${r.loadStart.toFixed(2)} -> ${r.loadEnd.toFixed(2)})`;
}

export const VS_TORCH_HEADER =
  "| config | batch | round | load start -> end | ours train ms (mean; median) | PyTorch 1/1 train ms | PyTorch 1/2 train ms | train ratio | ours eval ms | PyTorch 1/1 eval ms | PyTorch 1/2 eval ms | eval ratio |\n" +
  "|---|---|---|---|---|---|---|---|---|---|---|---|";

const summary = (s: RatioSummary | null): string => (s === null ? "-" : `**${x2(s.median)}** (${x2(s.min)}–${x2(s.max)})`);

/** The table rows of one configuration: one per round, then its median ratio and spread; or why it is not compared. */
export function vsTorchRows(row: VsTorchRow): string[] {
  if (row.notComparable !== null) return [`| ${row.config} | ${row.batch} | - | ${row.notComparable} | | | | | | | | |`];
  const lines = row.rounds.map((r, i) => {
    const ev = r.oursEval === null || r.torchEval === null ? ["-", "-", "-", "-"] : [ms(r.oursEval), ...r.torchEval.map(ms), x2(r.evalRatio as number)];
    return `| ${row.config} | ${row.batch} | ${i + 1} | ${r.loadStart.toFixed(2)} -> ${r.loadEnd.toFixed(2)} | ${ms(r.oursTrain)}; ${r.oursTrain.medianMs?.toFixed(1) ?? "-"} | ${r.torchTrain.map(ms).join(" | ")} | ${x2(r.trainRatio)} | ${ev.join(" | ")} |`;
  });
  lines.push(`| ${row.config} | ${row.batch} | median (min–max) | | | | | ${summary(row.train)} | | | | ${summary(row.eval)} |`);
  return lines;
}
