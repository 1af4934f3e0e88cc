import { dirname, join, resolve } from "node:path";
import { BACKEND_NAMES, type BackendRequest } from "@trm/core";
import { evalBatches, getTask, gridToRows, limitRows, validateTaskData, type Grid, type Task } from "@trm/data";
import { arcEvaluation, evalSummary, evaluateModel, scoreRows, type ArcEvaluation, type EvalSummary, type EvaluationResult } from "@trm/eval";
import { createModel, evalBatchSize, latestCheckpoint, parseTrainConfig, readEvalWeights, readConfigFile, readRunIdentity } from "@trm/train";
import { parseFlags, positiveIntFlag, selectBackend, UsageError } from "./flags.js";
import { commandWithErrors, type Command } from "./command.js";
import { MODELS } from "./models.js";
import { writeFileAtomic } from "@trm/core/node";
import { loadArcTestPuzzles, makeDirectory, readDataset, readIdentifiers } from "@trm/data/node";

const HELP = `trm-train eval: evaluate a trained model on the test split

Usage:
  trm-train eval --run runs/<name> [--data <dir>] [options]
  trm-train eval --weights <file.safetensors|checkpoint.pt> --config <config.json|yaml> --data <dir> [options]

Options:
  --run <dir>           a run directory: its config.json and newest checkpoint (EMA weights when present)
  --weights <file>      a safetensors file with official names (a checkpoint or exported weights), or an official
                        PyTorch checkpoint written by torch.save (read without executing it; see trm-train convert)
  --config <file>       the config the weights were trained with (with --weights)
  --data <dir>          dataset directory (default: the run's data_path)
  --steps N             supervision steps (default: the model's halt_max_steps; 16 for the official models)
  --max-examples N      evaluate on the first N test examples only
  --batch-size N        rows per batch (default: the config's eval_batch_size or micro/global batch)
  --out <file.json>     write the summary (accuracy per step, halting; ARC: pass@k) as JSON
  --predictions <file>  write one JSON line per example: index, puzzle id, exact, the decoded question,
                        prediction and answer (boards of the run's task), and the predicted tokens
  --submission <file>   ARC data only: where to write the Kaggle submission (default: submission.json in the run
                        directory, or beside --weights)
  --backend <b>         TensorFlow.js backend: auto, webgpu, wasm, cpu, tensorflow, tensorflow-gpu (default auto)
  --webgpu-flag k=v     a Dawn option for --backend webgpu in Node (repeatable), e.g. backend=vulkan, adapter=<name>
  --verbose             also say why the auto backend choice skipped the other backends

Token accuracy is the official one: per example, the share of its labelled tokens predicted right, averaged over
examples. On ARC data (a dataset with test_puzzles.json) the answers of all augmented variants are voted per task,
pass@1 / pass@2 are reported and the submission file is written.
`;

/** A decoded board as JSON: a grid as its rows of values, anything else as the task returns it. */
function boardJson(board: unknown): unknown {
  const g = board as Partial<Grid>;
  return typeof g === "object" && g !== null && typeof g.rows === "number" && typeof g.cols === "number" && g.cells instanceof Uint8Array ? gridToRows(g as Grid) : board;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function printSummary(s: EvalSummary, weights: string, copy: string, arc: ArcEvaluation | null): void {
  const lines = [
    `weights: ${weights} (${copy === "ema" ? "EMA copy" : "trained values"})`,
    `rows: ${s.rows}`,
    `exact accuracy: ${pct(s.exact_accuracy)}`,
    `token accuracy: ${pct(s.accuracy)}`,
    `mean halting step (where ACT would halt): ${s.mean_halt_step.toFixed(2)}`,
    `q_halt accuracy: ${pct(s.q_halt_accuracy)}`,
    "accuracy after each supervision step (step: exact / token):",
    ...s.per_step.map((p) => `  ${String(p.step).padStart(2)}: ${pct(p.exact_accuracy)} / ${pct(p.accuracy)}`),
  ];
  if (arc) {
    const at = (k: number) => pct(arc.score.passAtK[k] ?? 0);
    lines.push(`ARC (voted over augmentations, ${arc.score.tasks.length} tasks): pass@1 ${at(1)}, pass@2 ${at(2)}, mean task score ${pct(arc.score.meanTaskScore)}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

/**
 * One JSON line per evaluated example: its index, puzzle id, exactness after the last step, the decoded question,
 * prediction and answer (when the run names its task) and the predicted tokens.
 */
function predictionLines(r: EvaluationResult, task: Task | null): string {
  const L = r.seqLen;
  const last = r.kept.snapshots.find((s) => s.step === r.steps)?.tokens ?? new Int32Array(0);
  const { exact } = scoreRows(last, r.kept.labels, L);
  const lines: string[] = [];
  for (let row = 0; row < r.kept.rows; row++) {
    const tokens = last.subarray(row * L, (row + 1) * L);
    const line: Record<string, unknown> = { index: row, puzzle_identifier: r.kept.puzzleIdentifiers[row], exact: exact[row] === 1 };
    if (task) {
      // Decoded boards (the ignore label -100 reads as PAD in the answer).
      const answer = Array.from(r.kept.labels.subarray(row * L, (row + 1) * L), (v) => (v < 0 ? 0 : v));
      line.question = boardJson(task.decode(r.kept.inputs.subarray(row * L, (row + 1) * L)));
      line.prediction = boardJson(task.decode(tokens));
      line.answer = boardJson(task.decode(answer));
    }
    line.prediction_tokens = Array.from(tokens);
    lines.push(`${JSON.stringify(line)}\n`);
  }
  return lines.join("");
}

async function writeOutput(file: string, text: string): Promise<void> {
  makeDirectory(dirname(resolve(file)), "output folder");
  await writeFileAtomic(resolve(file), text);
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
      run: { type: "string" },
      weights: { type: "string" },
      config: { type: "string" },
      data: { type: "string" },
      steps: { type: "string" },
      "max-examples": { type: "string" },
      "batch-size": { type: "string" },
      out: { type: "string" },
      predictions: { type: "string" },
      submission: { type: "string" },
      backend: { type: "string" },
      "webgpu-flag": { type: "string", multiple: true },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const steps = positiveIntFlag("--steps", values.steps);
  const maxRows = positiveIntFlag("--max-examples", values["max-examples"]);
  const batchFlag = positiveIntFlag("--batch-size", values["batch-size"]);
  const backend = (values.backend ?? "auto") as BackendRequest;
  if (!BACKEND_NAMES.includes(backend)) throw new UsageError(`--backend: expected one of ${BACKEND_NAMES.join(", ")}, got "${backend}"`);
  let configPath: string;
  let weightsPath: string;
  if (values.run) {
    const runDir = resolve(values.run);
    configPath = values.config ?? join(runDir, "config.json");
    const identity = await readRunIdentity(runDir);
    const ckpt = await latestCheckpoint(join(runDir, "checkpoints"), {
      runId: identity?.run_id ?? null,
      onSkip: (path, why) => process.stderr.write(`warning: skipping checkpoint ${path}: ${why}\n`),
    });
    if (!values.weights && !ckpt) throw new Error(`${runDir}/checkpoints holds no complete checkpoint yet`);
    weightsPath = values.weights ?? (ckpt?.weightsPath as string);
  } else {
    if (!values.weights || !values.config) throw new Error("give --run <dir>, or --weights <file> with --config <file> and --data <dir>");
    configPath = values.config;
    weightsPath = values.weights;
  }
  const config = parseTrainConfig(await readConfigFile(configPath), configPath);
  const dataDir = values.data ?? config.data_path;
  if (!dataDir) throw new Error("--data <dir> is required (the config names no data_path)");

  const task = config.task === undefined ? null : getTask(config.task);
  await selectBackend(backend, values["webgpu-flag"] ?? [], values.verbose ?? false);
  const test = readDataset(dataDir, "test");
  if (task !== null) validateTaskData(test, join(dataDir, "test"), task);
  const meta = test.metadata;
  const model = createModel(MODELS, config.arch, { vocab_size: meta.vocab_size, seq_len: meta.seq_len, num_puzzle_identifiers: meta.num_puzzle_identifiers }, config.seed);
  const arcTasks = loadArcTestPuzzles(dataDir);
  try {
    const copy = await readEvalWeights(model, weightsPath);
    const batchSize = batchFlag ?? evalBatchSize(config);
    // Answers are kept (for the last step only) when they are written or voted on.
    const keep = values.predictions !== undefined || arcTasks !== null;
    const result = await evaluateModel(model, limitRows(evalBatches(test, batchSize), maxRows), {
      steps,
      snapshotSteps: [],
      snapshotRows: keep ? undefined : 0,
    });
    const summary = evalSummary(result);
    const arc = arcTasks === null ? null : arcEvaluation(result, readIdentifiers(dataDir), arcTasks);
    printSummary(summary, weightsPath, copy, arc);
    if (values.out) {
      const arcOut = arc && { pass_at_k: arc.score.passAtK, mean_task_score: arc.score.meanTaskScore, tasks: arc.score.tasks.length };
      await writeOutput(values.out, `${JSON.stringify({ weights: weightsPath, weights_copy: copy, data: dataDir, ...summary, ...(arcOut && { arc: arcOut }) }, null, 2)}\n`);
    }
    if (values.predictions) await writeOutput(values.predictions, predictionLines(result, task));
    if (arc) {
      const file = values.submission ?? join(values.run ?? dirname(weightsPath), "submission.json");
      await writeOutput(file, `${JSON.stringify(arc.submission)}\n`);
      process.stdout.write(`submission: ${resolve(file)}\n`);
    }
    return 0;
  } finally {
    model.dispose();
  }
}

export const command: Command = commandWithErrors("eval", run);
