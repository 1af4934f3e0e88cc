import { open, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { disposeCarry, type RecursiveModel, type StepResult } from "@trm/core";
import { loadSafetensors } from "@trm/core/node";
import { getTask, parseMetadata, type Task } from "@trm/data";
import { latestCheckpoint, loadEvalWeights } from "./checkpoint.js";
import { evalBatchSize, parseTrainConfig, readConfigFile, type TrainConfig } from "./config.js";
import { RUN_KIND } from "./fit.js";
import { createModel, modelRegistry, type DatasetShape, type ModelConstructor, type ModelRegistry } from "./model-registry.js";
import { readRunIdentity } from "./run-dir.js";

/** A folder that is not a usable training run: missing, another kind of folder, or without a complete checkpoint. */
export class RunFolderError extends Error {
  override name = "RunFolderError";
}

/** A puzzle the model cannot take: the wrong number of tokens, or a token outside the vocabulary. */
export class PuzzleShapeError extends Error {
  override name = "PuzzleShapeError";
}

export interface LoadOptions {
  /**
   * Model constructors keyed by `arch.name`, as the model packages export them, e.g.
   * `{ trm: createTrm, hrm: createHrm }`; or a {@link ModelRegistry}.
   */
  readonly models: Readonly<Record<string, ModelConstructor>> | { readonly registry: ModelRegistry };
  /** The task that encodes and decodes boards: a registered name or a Task (default: the config's `task`). */
  readonly task?: string | Task;
}

export interface LoadWeightsOptions extends LoadOptions {
  /** A safetensors file: a training checkpoint (its EMA copy is used) or exported weights such as final.safetensors. */
  readonly weights: string;
  /** The training config the weights were made with (config.json of the run, or a YAML/JSON config file). */
  readonly config: string;
  /**
   * A dataset folder whose dataset.json gives vocab_size, seq_len and num_puzzle_identifiers. Default: the `config`
   * metadata of the weights file (written by this project), else the config's data_path.
   */
  readonly data?: string;
}

export interface SolveOptions {
  /** Supervision steps to run (default and maximum: the model's halt_max_steps). */
  readonly steps?: number;
  /** Puzzles per forward pass (default: the config's evaluation batch size). */
  readonly batchSize?: number;
  /** Puzzle identifier of each puzzle (default 0, the blank identifier that Sudoku and Maze use). */
  readonly puzzleIdentifiers?: readonly number[];
}

/** The model's answer after one supervision step. */
export interface StepAnswer<B> {
  readonly step: number;
  /** Argmax token ids, seq_len of them. */
  readonly tokens: Int32Array;
  /** `tokens` decoded by the task (without a task: the tokens). */
  readonly answer: B;
  readonly qHalt: number;
  /** Whether the halting rule says halt after this step (TRM: q_halt > 0; HRM: q_halt > q_continue). */
  readonly halts: boolean;
}

export interface Solution<B> {
  /** The answer after the last step run, as the official evaluation scores it (without a task: the tokens). */
  readonly answer: B;
  readonly tokens: Int32Array;
  /** The first step whose halting rule says halt (where ACT would stop); null when none of the steps run does. */
  readonly haltStep: number | null;
  /** The answer after every supervision step, 1..steps. */
  readonly steps: readonly StepAnswer<B>[];
}

/** A trained model ready to answer puzzles. Call {@link Solver.dispose} when done: it owns the model's tensors. */
export class Solver<B = Int32Array> {
  constructor(
    readonly model: RecursiveModel,
    readonly config: TrainConfig,
    readonly task: Task<B> | null,
    /** The weights file loaded, and which copy of it ("ema": the averaged weights the official evaluation uses). */
    readonly weights: { readonly path: string; readonly copy: "ema" | "raw" },
  ) {}

  /** The dataset shape the model was built for. */
  get shape(): DatasetShape {
    const c = this.model.config;
    return { vocab_size: Number(c.vocab_size), seq_len: Number(c.seq_len), num_puzzle_identifiers: Number(c.num_puzzle_identifiers) };
  }

  /** Answers puzzles given as boards of the task (a Sudoku grid, a maze...): each encoded, solved and decoded. */
  async solve(puzzles: readonly B[], options: SolveOptions = {}): Promise<Solution<B>[]> {
    const task = this.task;
    if (task === null) throw new PuzzleShapeError("solve: the run names no task to encode boards; pass { task } when loading, or use solveTokens");
    return this.solveTokens(
      puzzles.map((p) => task.encode(p)),
      options,
    );
  }

  /** Answers puzzles given as token rows (seq_len ids each, as the dataset stores inputs). */
  async solveTokens(rows: readonly ArrayLike<number>[], options: SolveOptions = {}): Promise<Solution<B>[]> {
    const { seq_len: L, vocab_size: V, num_puzzle_identifiers: P } = this.shape;
    const steps = options.steps ?? this.model.haltMaxSteps;
    if (!Number.isInteger(steps) || steps < 1 || steps > this.model.haltMaxSteps) {
      throw new RangeError(`solve: steps must be an integer in 1..${this.model.haltMaxSteps} (halt_max_steps), got ${steps}`);
    }
    const ids = options.puzzleIdentifiers;
    if (ids !== undefined && ids.length !== rows.length) throw new PuzzleShapeError(`solve: ${rows.length} puzzles but ${ids.length} puzzleIdentifiers`);
    rows.forEach((row, i) => {
      if (row.length !== L) throw new PuzzleShapeError(`puzzle ${i}: ${row.length} tokens, but the model takes seq_len ${L}`);
      for (let k = 0; k < L; k++) {
        const t = row[k] ?? -1;
        if (!Number.isInteger(t) || t < 0 || t >= V) throw new PuzzleShapeError(`puzzle ${i}: token ${t} at position ${k} is outside the vocabulary 0..${V - 1}`);
      }
      const id = ids?.[i] ?? 0;
      if (!Number.isInteger(id) || id < 0 || id >= P) throw new PuzzleShapeError(`puzzle ${i}: puzzle identifier ${id} is outside 0..${P - 1}`);
    });
    const batchSize = options.batchSize ?? evalBatchSize(this.config);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`solve: batchSize must be a positive integer, got ${batchSize}`);
    const out: Solution<B>[] = [];
    for (let start = 0; start < rows.length; start += batchSize) {
      out.push(...(await this.solveBatch(rows.slice(start, start + batchSize), ids?.slice(start, start + batchSize), steps)));
    }
    return out;
  }

  private async solveBatch(rows: readonly ArrayLike<number>[], ids: readonly number[] | undefined, steps: number): Promise<Solution<B>[]> {
    const L = this.shape.seq_len;
    const B = rows.length;
    const inputs = new Int32Array(B * L);
    rows.forEach((r, i) => inputs.set(Array.from(r), i * L));
    // Labels only feed the step's accuracy counts, which are not used here: the inputs stand in for them.
    const batch = { size: B, seqLen: L, inputs, labels: inputs.slice(), puzzleIdentifiers: Int32Array.from(ids ?? new Array<number>(B).fill(0)) };
    const perRow: StepAnswer<B>[][] = Array.from({ length: B }, () => []);
    let carry = this.model.initialCarry(batch);
    try {
      for (let s = 1; s <= steps; s++) {
        const result = await this.model.evalStep(carry, batch);
        disposeCarry(carry);
        carry = result.carry;
        try {
          const argmax = tf.tidy(() => tf.cast(tf.argMax(result.outputs.logits, -1), "int32"));
          const tokens = (await argmax.data()) as Int32Array;
          argmax.dispose();
          const q = await result.outputs.qHalt.data();
          const qc = this.model.noActContinue ? null : await result.outputs.qContinue.data();
          for (let r = 0; r < B; r++) {
            const row = tokens.slice(r * L, (r + 1) * L);
            const qh = q[r] ?? 0;
            const halts = qc === null ? qh > 0 : qh > (qc[r] ?? 0);
            perRow[r]?.push({ step: s, tokens: row, answer: this.task ? this.task.decode(row) : (row as B), qHalt: qh, halts });
          }
        } finally {
          disposeOutputs(result);
        }
      }
    } finally {
      disposeCarry(carry);
    }
    return perRow.map((stepsOfRow) => {
      const last = stepsOfRow[stepsOfRow.length - 1] as StepAnswer<B>;
      return { answer: last.answer, tokens: last.tokens, haltStep: stepsOfRow.find((a) => a.halts)?.step ?? null, steps: stepsOfRow };
    });
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.model.dispose();
  }
}

function disposeOutputs(result: StepResult): void {
  result.outputs.logits.dispose();
  result.outputs.qHalt.dispose();
  result.outputs.qContinue.dispose();
  result.outputs.qContinueTarget?.dispose();
}

const registryOf = (models: LoadOptions["models"]): ModelRegistry =>
  "registry" in models && typeof models.registry === "object" ? (models.registry) : modelRegistry(models as Readonly<Record<string, ModelConstructor>>);

function taskOf<B>(option: LoadOptions["task"], config: TrainConfig): Task<B> | null {
  const t = option ?? config.task;
  if (t === undefined) return null;
  return (typeof t === "string" ? getTask(t) : t) as unknown as Task<B>;
}

/** The three dataset fields a model needs, from a model config (a checkpoint's, a weights file's metadata). */
function shapeOf(config: Readonly<Record<string, unknown>> | undefined): DatasetShape | null {
  if (config === undefined) return null;
  const [v, l, p] = [config.vocab_size, config.seq_len, config.num_puzzle_identifiers];
  return typeof v === "number" && typeof l === "number" && typeof p === "number" ? { vocab_size: v, seq_len: l, num_puzzle_identifiers: p } : null;
}

/** The model config in a safetensors file's metadata (this project writes it), read from the header alone. */
async function weightsModelConfig(path: string): Promise<Record<string, unknown> | undefined> {
  const file = await open(path, "r");
  try {
    const head = Buffer.alloc(8);
    await file.read(head, 0, 8, 0);
    const n = Number(head.readBigUInt64LE(0));
    if (n <= 0 || n > 100_000_000) return undefined;
    const json = Buffer.alloc(n);
    await file.read(json, 0, n, 8);
    const meta = (JSON.parse(json.toString("utf8")) as { __metadata__?: { config?: string } }).__metadata__;
    return meta?.config === undefined ? undefined : (JSON.parse(meta.config) as Record<string, unknown>);
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}

async function datasetShape(dir: string): Promise<DatasetShape> {
  for (const split of ["test", "train"]) {
    const file = join(dir, split, "dataset.json");
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      continue;
    }
    const m = parseMetadata(JSON.parse(text), file);
    return { vocab_size: m.vocab_size, seq_len: m.seq_len, num_puzzle_identifiers: m.num_puzzle_identifiers };
  }
  throw new RunFolderError(`${dir}: no test/dataset.json or train/dataset.json to take vocab_size and seq_len from`);
}

async function buildSolver<B>(config: TrainConfig, shape: DatasetShape, weightsPath: string, options: LoadOptions): Promise<Solver<B>> {
  const task = taskOf<B>(options.task, config);
  const model = createModel(registryOf(options.models), config.arch, shape, config.seed);
  try {
    const tensors = await loadSafetensors(weightsPath);
    try {
      const copy = loadEvalWeights(model, tensors, weightsPath);
      return new Solver<B>(model, config, task, { path: weightsPath, copy });
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Loads a training run folder (`trm-train fit --out`): its config, its newest complete checkpoint (the EMA copy of
 * the weights, as `trm-train eval --run`) and the model that checkpoint was trained as.
 */
export async function loadRun<B = Int32Array>(runDir: string, options: LoadOptions): Promise<Solver<B>> {
  const dir = resolve(runDir);
  const info = await stat(dir).catch(() => null);
  if (info === null || !info.isDirectory()) throw new RunFolderError(`${dir}: no such run folder`);
  const identity = await readRunIdentity(dir);
  if (identity !== null && identity.kind !== RUN_KIND) throw new RunFolderError(`${dir} holds a ${identity.kind} run, not a ${RUN_KIND} run`);
  const configPath = join(dir, "config.json");
  if ((await stat(configPath).catch(() => null)) === null) {
    throw new RunFolderError(`${dir} is not a training run folder: it has no config.json (a trm-compare output keeps its runs in <model>/seed-<n>/)`);
  }
  const config = parseTrainConfig(await readConfigFile(configPath), configPath);
  const ref = await latestCheckpoint(join(dir, "checkpoints"), { runId: identity?.run_id ?? null });
  if (ref === null) throw new RunFolderError(`${dir}/checkpoints holds no complete checkpoint of this run`);
  const shape = shapeOf(ref.state.model.config) ?? (config.data_path ? await datasetShape(config.data_path) : null);
  if (shape === null) throw new RunFolderError(`${ref.jsonPath}: the checkpoint records no vocab_size, seq_len and num_puzzle_identifiers`);
  return buildSolver<B>(config, shape, ref.weightsPath, options);
}

/** Loads a weights file with the training config it was made with (e.g. a run's final.safetensors and config.json). */
export async function loadWeights<B = Int32Array>(options: LoadWeightsOptions): Promise<Solver<B>> {
  const weights = resolve(options.weights);
  if ((await stat(weights).catch(() => null)) === null) throw new RunFolderError(`${weights}: no such weights file`);
  const config = parseTrainConfig(await readConfigFile(options.config), options.config);
  const shape =
    (options.data === undefined ? null : await datasetShape(options.data)) ??
    shapeOf(await weightsModelConfig(weights)) ??
    (config.data_path ? await datasetShape(config.data_path) : null);
  if (shape === null) throw new RunFolderError(`${weights}: give { data } (a dataset folder) so vocab_size and seq_len are known`);
  return buildSolver<B>(config, shape, weights, options);
}
