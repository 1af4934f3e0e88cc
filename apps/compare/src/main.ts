// trm-compare: TRM against HRM on the same data, budget, seeds and evaluation.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { useBackend } from "@trm/core";
import { makeDirectory } from "@trm/data/node";
import { evaluateModel, summaryEvaluator, type EvaluationResult } from "@trm/eval";
import {
  buildComparisonReport,
  buildComparisonResults,
  formatComparisonTable,
  writeFileAtomic,
  writeReport,
  type ComparisonContext,
  type ModelSeries,
} from "@trm/eval/report";
import { importPlugins, takeImportFlags, trainAndEvaluate, type ModelRegistry, type TrainedRun } from "@trm/train";
import { ArgsError, describeBudget, parseArgs, type CompareArgs } from "./args.js";
import { generateScenarioData, readCompareData, type CompareData } from "./dataset.js";
import { DEFAULT_PAIRING, DEFAULT_SCENARIO, lookup, PAIRINGS, SCENARIO_SETS, SCENARIOS } from "./scenarios.js";
import { progressDisplay, type ProgressStream } from "./progress.js";

const table = (rows: readonly (readonly [string, string])[]): string => {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join("\n");
};

export const USAGE = `trm-compare: train TRM and HRM on the same data and budget over several seeds, and report side by side

Usage:
  trm-compare [--scenario <name>] [--pairing <name>] [--seeds <n>] [--seed <first>] [--budget <m>m|<s>s|<samples>]
              [--data <dir> [--task <name>]] [--trm-preset <name|file>] [--hrm-preset <name|file>]
              [--backend auto|webgpu|wasm|cpu|tensorflow|tensorflow-gpu] [--out <dir> [--overwrite]] [--test-limit <n>] [--set key=value ...]
              [--webgpu-flag key=value ...] [--import <module> ...]

Options:
  --scenario    generated data and budget (default ${DEFAULT_SCENARIO}); see Scenarios
  --pairing     which two models (default ${DEFAULT_PAIRING}); see Pairings
  --seeds       seeds per model, run one after another (default 3): --seed, --seed + 1, ...
  --seed        first seed (default 0); a seed sets data generation, initialisation and sampling
  --budget      per model and seed: wall-clock minutes ("3m"), seconds ("90s") or training samples ("20000",
                "20k"; sample × supervision step); default: the scenario's
  --data        a dataset built by \`trm-train build-data\` instead of the scenario's generated data (the scenario's
                budget and training overrides still apply); e.g. hard 9x9 Sudoku:
                trm-train build-data --task sudoku --src ../shared/data/sudoku-hard/... --out data/sudoku-hard
  --task        task of --data (default sudoku); any registered task, for its puzzle pictures
  --import      a module loaded first that registers a task of your own (repeatable): a file such as
                ./my-task.mjs (relative to the current folder) or an installed package
  --trm-preset  replace the pairing's TRM preset (a @trm/train preset or a config file)
  --hrm-preset  replace the pairing's HRM preset
  --backend     tfjs backend (default auto; webgpu on a software adapter only when asked for by name)
  --webgpu-flag a Dawn option for --backend webgpu in Node (repeatable), e.g. backend=vulkan, adapter=<name>
  --out         output directory (default runs/compare): report.html, results.json, charts/, <model>/seed-<n>/
  --overwrite   start over in an --out that holds an earlier comparison (without it, such a folder is refused)
  --verbose     say why --backend auto skipped each other backend
  --test-limit  score only the first n test puzzles (default all)
  --set         training-config override for both models, after the scenario's and the pairing's (repeatable)

Pairings:
${table(Object.values(PAIRINGS).map((p) => [p.name, `${p.models[0].preset} vs ${p.models[1].preset}${p.models.some((m) => m.sets.length > 0) ? ` (${p.models.map((m) => m.sets.join(" ")).filter((x) => x).join("; ")})` : ""}`]))}
${Object.values(PAIRINGS).map((p) => `  ${p.name}: ${p.description}.${p.caveat === null ? "" : ` ${p.caveat}`}`).join("\n")}

Scenarios (training overrides on both models: ${SCENARIO_SETS.join(" ")}):
${table(Object.values(SCENARIOS).map((s) => [s.name, `${s.description}; ${s.train} x ${1 + s.augmentations} training, ${s.test} test; budget ${describeBudget(s.budget)}`]))}
`;

export interface CompareDependencies {
  readonly registry?: ModelRegistry;
  readonly stream?: ProgressStream;
}

async function run(args: CompareArgs, argv: readonly string[], deps: CompareDependencies): Promise<number> {
  const stream = deps.stream ?? process.stderr;
  if (existsSync(join(args.out, "run.json"))) {
    // A trm-train run folder: the comparison never writes into (or clears) another kind of run, --overwrite or not.
    throw new ArgsError(`--out ${args.out} holds a trm-train run (run.json); give the comparison its own folder.`);
  }
  const backend = await useBackend(args.backend, { log: null, webgpuFlags: args.webgpuFlags });
  const backendLine = args.verbose ? backend.message : backend.message.replace(/ \(auto; skipped .*\)$/s, " (auto; --verbose says why it skipped the others)");
  stream.write(`${backendLine}\n`);
  makeDirectory(args.out, "--out folder");
  const scenario = lookup(SCENARIOS, args.scenario, "--scenario");
  const pairing = lookup(PAIRINGS, args.pairing, "--pairing");
  const fixedData = args.data === null ? null : readCompareData(args.data, args.task ?? "sudoku");
  const budget = args.budget ?? scenario.budget;
  const seeds = Array.from({ length: args.seeds }, (_, i) => args.seed + i);
  const models = pairing.models.map((m, i) => ({
    ...m,
    preset: (i === 0 ? args.trmPreset : args.hrmPreset) ?? m.preset,
  }));
  stream.write(`pairing ${pairing.name}: ${models.map((m) => `${m.label} = ${m.preset}${m.sets.length ? ` ${m.sets.join(" ")}` : ""}`).join(", ")}\n`);
  if (pairing.caveat !== null) stream.write(`note: ${pairing.caveat}\n`);
  stream.write(`budget: ${describeBudget(budget)}; seeds ${seeds.join(", ")}\n`);

  const registry = deps.registry ?? (await import("./models.js")).MODEL_REGISTRY;
  const series = models.map((m) => ({ label: m.label, runs: [] as TrainedRun<EvaluationResult>[] }));
  let data: CompareData | null = fixedData;
  for (const seed of seeds) {
    if (fixedData === null) {
      stream.write(`seed ${seed}: generating ${scenario.name} data...\n`);
      data = generateScenarioData(scenario, join(args.out, "data", `seed-${seed}`), seed);
    }
    if (data === null) throw new Error("no data");
    if (seed === seeds[0]) stream.write(`data: ${data.description}\n`);
    for (const [i, m] of models.entries()) {
      const tag = `${m.label} seed ${seed}`;
      const progress = progressDisplay(tag, budget, stream);
      const r = await trainAndEvaluate({
        label: m.label,
        preset: m.preset,
        registry,
        train: data.train,
        test: data.test,
        budget: budget.kind === "seconds" ? { maxSeconds: budget.seconds } : { maxSamples: budget.samples },
        seed,
        sets: [...scenario.sets, ...m.sets, ...args.sets],
        runDir: join(args.out, m.label.toLowerCase(), `seed-${seed}`),
        overwrite: args.overwrite,
        testLimit: args.testLimit,
        evaluate: (model, batches, onBatch) => evaluateModel(model, batches, { snapshotRows: 64, onBatch }),
        periodicEvaluator: summaryEvaluator,
        onEvent: (e) => progress.onFit(e),
        onEvalProgress: (done, total) => progress.onEval(done, total),
      });
      progress.done(
        `test exact ${(100 * r.evaluation.exactAccuracy).toFixed(1)}% on ${r.evaluation.rows} puzzles (${r.params} trainable parameters, ${r.fit.step} steps in ${r.fit.elapsedSeconds.toFixed(0)} s, ${r.weights} weights)`,
      );
      series[i]?.runs.push(r);
    }
  }
  if (data === null) throw new Error("no data");

  const ctx: ComparisonContext = {
    task: data.task,
    dataDescription: fixedData === null ? `${scenario.name}: ${data.description}` : data.description,
    budgetDescription: describeBudget(budget),
    seeds,
    generated: fixedData === null,
    pairing: pairing.name,
    pairingDescription: pairing.description,
    caveat: pairing.caveat,
    scenario: fixedData === null ? scenario.name : "",
    backend: backend.name,
    command: ["trm-compare", ...argv].join(" "),
  };
  const compared: ModelSeries[] = series;
  const written = await writeReport(args.out, buildComparisonReport(compared, ctx));
  const resultsPath = join(args.out, "results.json");
  writeFileAtomic(resultsPath, `${JSON.stringify(buildComparisonResults(compared, ctx), null, 2)}\n`);
  const params = series.map((m) => `${m.label} ${m.runs[0]?.params ?? 0}`).join(", ");
  process.stdout.write(
    `\n${formatComparisonTable(compared)}\n\ntrainable parameters: ${params}${pairing.caveat === null ? "" : `\nnote: ${pairing.caveat}`}\n\nreport:  ${written.html}\nresults: ${resultsPath}\n`,
  );
  return 0;
}

/** Runs the command line; resolves to the exit code. `deps` lets tests pass small models or a quiet stream. */
export async function main(argvWithImports: string[], deps: CompareDependencies = {}): Promise<number> {
  let args: CompareArgs;
  try {
    const { imports, rest } = takeImportFlags(argvWithImports);
    args = parseArgs(rest);
    // Plug-in tasks before --task is looked up.
    if (!args.help && !args.version) await importPlugins(imports);
  } catch (e) {
    process.stderr.write(`trm-compare: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`trm-compare ${pkg.version}\n`);
    return 0;
  }
  try {
    return await run(args, argvWithImports, deps);
  } catch (e) {
    process.stderr.write(`trm-compare: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof ArgsError ? 2 : 1;
  }
}
