// trm-compare: HRM against TRM on the same data, budget, seed and evaluation.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { useBackend } from "@trm/core";
import { writeFileAtomic, writeReport } from "@trm/eval";
import type { ModelRegistry } from "@trm/train";
import { ArgsError, describeBudget, parseArgs, parseBudget, type CompareArgs } from "./args.js";
import { buildReportInput, buildResults, formatTable, type CompareContext } from "./compare-report.js";
import { generateDefaultSudoku, readCompareData, type CompareData } from "./dataset.js";
import { progressDisplay, type ProgressStream } from "./progress.js";
import { runModel, type ModelRun } from "./run-model.js";

/**
 * The embedded default budget per model: training samples (sample x supervision step), so the default gives the same
 * numbers on every machine; measured to finish in about 6 to 10 minutes on 2 cores (see README).
 */
export const DEFAULT_BUDGET = "25k";

/**
 * Overrides the embedded default applies to both presets (before any --set): 16 supervision steps as the paper, so
 * the refinement curve spans steps 1..16; an EMA horizon of about 10 steps, since a run of a few hundred steps would
 * otherwise evaluate weights averaged over most of training; periodic evaluations on 64 test puzzles, so they take
 * little of the budget.
 */
export const DEFAULT_SETS: readonly string[] = ["arch.halt_max_steps=16", "ema_rate=0.9", "eval_max_examples=64"];

export const USAGE = `trm-compare: train HRM and TRM on the same data and budget, and report side by side

Usage:
  trm-compare [--task sudoku] [--data <dir>] [--budget <minutes>m|<seconds>s|<samples>] [--trm-preset <name|file>]
              [--hrm-preset <name|file>] [--backend auto|wasm|cpu|tensorflow|tensorflow-gpu] [--out <dir>] [--seed <n>]
              [--test-limit <n>] [--set key=value ...]

Options:
  --task        task of --data: sudoku, maze or arc (default sudoku)
  --data        a dataset built by \`trm-train build-data\`; default: generated 4x4 Sudoku, written to <out>/data
  --budget      per model: wall-clock minutes ("3m"), seconds ("90s") or training samples ("20000", "20k");
                default ${DEFAULT_BUDGET}
  --trm-preset  TRM training preset or config file (default tiny-trm-sudoku4)
  --hrm-preset  HRM training preset or config file (default tiny-hrm-sudoku4)
  --backend     tfjs backend (default auto)
  --out         output directory (default runs/compare): report.html, results.json, charts/, trm/, hrm/
  --seed        seed of data generation, initialisation and sampling (default 0)
  --test-limit  score only the first n test puzzles (default all)
  --set         training-config override for both models, after the presets (repeatable), e.g. --set lr=1e-3

With no --data it runs the embedded default comparison on generated 4x4 Sudoku, with these overrides on both presets
before any --set: ${DEFAULT_SETS.join(" ")}. It writes report.html and results.json.
`;

export interface CompareDependencies {
  readonly registry?: ModelRegistry;
  readonly stream?: ProgressStream;
}

async function run(args: CompareArgs, argv: readonly string[], deps: CompareDependencies): Promise<number> {
  const stream = deps.stream ?? process.stderr;
  const backend = await useBackend(args.backend, { log: (l) => stream.write(`${l}\n`) });
  mkdirSync(args.out, { recursive: true });
  let data: CompareData;
  if (args.data !== null) data = readCompareData(args.data, args.task);
  else if (args.task === "sudoku") {
    stream.write("generating the default Sudoku dataset...\n");
    data = generateDefaultSudoku(join(args.out, "data"), args.seed);
  } else throw new ArgsError(`--task ${args.task} needs --data <dir> (only Sudoku has an embedded default)`);
  stream.write(`data: ${data.description}\n`);
  const budget = args.budget ?? parseBudget(DEFAULT_BUDGET);
  stream.write(`budget: ${describeBudget(budget)}\n`);

  const registry = deps.registry ?? (await import("./models.js")).MODEL_REGISTRY;
  const runs: ModelRun[] = [];
  for (const [label, preset] of [
    ["TRM", args.trmPreset],
    ["HRM", args.hrmPreset],
  ] as const) {
    const progress = progressDisplay(label, budget, stream);
    const r = await runModel({
      label,
      preset,
      registry,
      data,
      budget,
      seed: args.seed,
      sets: args.data === null ? [...DEFAULT_SETS, ...args.sets] : args.sets,
      runDir: join(args.out, label.toLowerCase()),
      testLimit: args.testLimit,
      snapshotRows: 64,
      onEvent: (e) => progress.onFit(e),
      onEvalProgress: (done, total) => progress.onEval(done, total),
    });
    progress.done(
      `test exact ${(100 * r.evaluation.exactAccuracy).toFixed(1)}% on ${r.evaluation.rows} puzzles (${r.weights} weights, ${r.evalSeconds.toFixed(1)} s to evaluate)`,
    );
    runs.push(r);
  }

  const ctx: CompareContext = {
    task: data.task,
    dataDescription: data.description,
    budgetDescription: describeBudget(budget),
    seed: args.seed,
    backend: backend.name,
    command: ["trm-compare", ...argv].join(" "),
  };
  const written = await writeReport(args.out, buildReportInput(runs, ctx));
  const resultsPath = join(args.out, "results.json");
  writeFileAtomic(resultsPath, `${JSON.stringify(buildResults(runs, ctx), null, 2)}\n`);
  process.stdout.write(`\n${formatTable(runs)}\n\nreport:  ${written.html}\nresults: ${resultsPath}\n`);
  return 0;
}

/** Runs the command line; resolves to the exit code. `deps` lets tests pass small models or a quiet stream. */
export async function main(argv: string[], deps: CompareDependencies = {}): Promise<number> {
  let args: CompareArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`trm-compare: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    return await run(args, argv, deps);
  } catch (e) {
    process.stderr.write(`trm-compare: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof ArgsError ? 2 : 1;
  }
}
