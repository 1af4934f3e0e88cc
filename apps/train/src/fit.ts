import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { BACKEND_NAMES, type BackendRequest } from "@trm/core";
import { evalBatches, getTask, limitRows, TrainSampler, validateSplits, type TrainSamplerState } from "@trm/data";
import { summaryEvaluator } from "@trm/eval";
import {
  createModel,
  createProgressReporter,
  evalBatchSize,
  evalEverySteps,
  fit,
  PRESETS,
  readConfigFile,
  resolveTrainConfig,
  totalStepsFor,
  type FitEvent,
} from "@trm/train";
import { parseFlags, positiveIntFlag, positiveNumberFlag, selectBackend, UsageError } from "./flags.js";
import { commandWithErrors, type Command } from "./command.js";
import { MODELS } from "./models.js";
import { readDataset } from "@trm/data/node";

const HELP = `trm-train fit: train TRM or HRM with the official procedure

Usage:
  trm-train fit --task <t> --data <dir> --model trm|hrm [--config <file.yaml|preset>] [--set key=value ...]
                --out runs/<name> [--resume] [--backend auto|webgpu|wasm|cpu|tensorflow|tensorflow-gpu]
                [--webgpu-flag key=value ...]
                [--max-steps N] [--max-seconds S] [--max-samples N] [--quiet] [--verbose]

Options:
  --task <t>         the task the data was built for (sudoku, maze, arc); recorded in the run
  --data <dir>       dataset directory with train/ and test/ (trm-train build-data writes one)
  --model trm|hrm    the architecture (sets arch.name)
  --config <c>       a YAML/JSON config file or a preset: ${Object.keys(PRESETS).join(", ")}
  --set key=value    override one config key, e.g. --set lr=3e-4 --set arch.L_cycles=4 (repeatable)
  --out <dir>        run directory: config.json, metrics.jsonl, checkpoints/
  --resume           continue from the newest complete checkpoint in --out (its config.json is the base config)
  --overwrite        clear --out when it holds an earlier run and start over (without --resume or --overwrite a
                     folder that holds files is refused)
  --backend <b>      TensorFlow.js backend (default auto: the fastest that loads; webgpu on a software
                     adapter such as lavapipe only when asked for by name)
  --webgpu-flag k=v  a Dawn option for --backend webgpu in Node (repeatable), e.g. backend=vulkan, adapter=<name>
  --max-steps N      stop after N optimiser steps in total (budget; the schedule still follows the config)
  --max-seconds S    stop after S seconds of training
  --max-samples N    stop after N training rows in total
  --quiet            no progress output
  --verbose          also say why the auto backend choice skipped the other backends
Ctrl-C stops after the current step and writes a checkpoint; a second Ctrl-C exits at once.
`;

async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
      task: { type: "string" },
      data: { type: "string" },
      model: { type: "string" },
      config: { type: "string" },
      set: { type: "string", multiple: true },
      out: { type: "string" },
      resume: { type: "boolean" },
      overwrite: { type: "boolean" },
      backend: { type: "string" },
      "webgpu-flag": { type: "string", multiple: true },
      "max-steps": { type: "string" },
      "max-seconds": { type: "string" },
      "max-samples": { type: "string" },
      quiet: { type: "boolean" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // Every flag is checked before anything slow (reading data, building the model) starts.
  const budget = {
    maxSteps: positiveIntFlag("--max-steps", values["max-steps"]),
    maxSeconds: positiveNumberFlag("--max-seconds", values["max-seconds"]),
    maxSamples: positiveIntFlag("--max-samples", values["max-samples"]),
  };
  const backend = (values.backend ?? "auto") as BackendRequest;
  if (!BACKEND_NAMES.includes(backend)) throw new UsageError(`--backend: expected one of ${BACKEND_NAMES.join(", ")}, got "${backend}"`);
  if (!values.out) throw new Error("--out <run dir> is required");
  const runDir = resolve(values.out);
  if (values.resume && values.overwrite) {
    throw new UsageError("--resume and --overwrite: give one (--resume continues the run in --out, --overwrite clears it and starts over)");
  }
  if (values.resume && !existsSync(runDir)) throw new UsageError(`--resume: --out ${runDir} does not exist, so there is no run to continue; leave out --resume to start one`);
  let configSource = values.config;
  if (values.resume && configSource === undefined) {
    // A resumed run starts from the config it saved.
    configSource = resolve(runDir, "config.json");
    await readConfigFile(configSource);
  }
  const patch: Record<string, unknown> = {};
  if (values.task) patch.task = values.task;
  if (values.data) patch.data_path = resolve(values.data);
  if (values.model) patch.arch = { name: values.model };
  const config = await resolveTrainConfig({ config: configSource, sets: values.set ?? [], patch }, PRESETS);
  if (!config.data_path) throw new Error("--data <dir> is required");

  await selectBackend(backend, values["webgpu-flag"] ?? [], values.verbose ?? false);
  const train = readDataset(config.data_path, "train");
  const test = readDataset(config.data_path, "test");
  validateSplits(train, test, config.data_path, config.task === undefined ? undefined : getTask(config.task));
  const meta = train.metadata;
  const model = createModel(MODELS, config.arch, { vocab_size: meta.vocab_size, seq_len: meta.seq_len, num_puzzle_identifiers: meta.num_puzzle_identifiers }, config.seed);
  const totalSteps = totalStepsFor(config, meta);
  const stepsPerEpoch = (meta.total_groups * meta.mean_puzzle_examples) / config.global_batch_size;

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\nstopping after this step (Ctrl-C again to exit now)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  const report = values.quiet ? null : createProgressReporter();
  const log = (e: FitEvent) => {
    if (e.type === "warning") process.stderr.write(`warning: ${e.message}\n`);
    else if (report) report(e);
    else if (e.type === "checkpoint-failed" || e.type === "stop") process.stderr.write(`${JSON.stringify(e)}\n`);
  };
  process.stderr.write(
    `${model.kind}: ${[...model.params.values()].reduce((n, v) => n + v.size, 0).toLocaleString("en-US")} parameters; ` +
      `${totalSteps} steps of ${config.global_batch_size} rows (micro-batch ${config.micro_batch_size ?? config.global_batch_size}); ` +
      `eval every ${evalEverySteps(config, stepsPerEpoch) ?? "-"} steps on ${config.eval_max_examples ?? "all"} test rows\n`,
  );
  try {
    const result = await fit({
      model,
      config,
      totalSteps,
      stepsPerEpoch,
      createSampler: (o, state) => (state === undefined ? new TrainSampler(train, o) : TrainSampler.restore(train, o, state as TrainSamplerState)),
      evaluate: summaryEvaluator(model, () => limitRows(evalBatches(test, evalBatchSize(config)), config.eval_max_examples), controller.signal),
      runDir,
      resume: values.resume ?? false,
      overwrite: values.overwrite ?? false,
      signal: controller.signal,
      onEvent: log,
      budget,
    });
    if (result.status === "diverged") {
      process.stderr.write(`trm-train fit: ${result.message}\n`);
      return 1;
    }
    if (result.lastEval) {
      process.stdout.write(
        `step ${result.step}: test exact accuracy ${(100 * result.lastEval.exact_accuracy).toFixed(2)}%, token accuracy ${(100 * result.lastEval.accuracy).toFixed(2)}% (${result.lastEval.rows} rows)\n`,
      );
    }
    return result.status === "aborted" ? 130 : 0;
  } finally {
    process.off("SIGINT", onSigint);
    model.dispose();
  }
}

export const command: Command = commandWithErrors("fit", run);
