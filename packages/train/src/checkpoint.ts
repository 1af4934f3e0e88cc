import { readdir, readFile, rm, stat } from "node:fs/promises";
import { makeDirectory } from "@trm/data/node";
import { basename, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { loadStateDict, modelVariables, stripPrefixes, type Carry, type RecursiveModel } from "@trm/core";
import type { Rng } from "@trm/data";
import type { BatchLayout } from "./accumulate.js";
import type { Optimizers } from "./apply.js";
import type { TrainConfig } from "./config.js";
import { FitError } from "./errors.js";
import { loadSafetensors, loadWeightsFile, pausePoint, saveSafetensors, writeFileAtomic } from "@trm/core/node";

/** The JSON half of a checkpoint: everything that is not a tensor. Written last, so it exists only when complete. */
export interface CheckpointState {
  readonly format: "trm-train-checkpoint";
  readonly version: 1;
  /** Optimiser steps done. */
  readonly step: number;
  /** Training rows consumed (step x global batch). */
  readonly samples: number;
  readonly elapsedSeconds: number;
  readonly totalSteps: number;
  readonly config: TrainConfig;
  readonly model: { readonly kind: string; readonly config: Readonly<Record<string, unknown>> };
  readonly optimizer: { readonly name: string; readonly stepCount: number };
  /** State words of the halting-exploration RNG. */
  readonly haltingRng: number[];
  /** The training sampler's own state, restored by its factory. */
  readonly sampler: unknown;
  /** Micro-batch groups whose carries are stored under `carry.<k>.*` in the tensors; 0 before the first step. */
  readonly carryGroups: number;
  /** The safetensors file next to this JSON. */
  readonly weights: string;
  /** The run (see `run.json`) that wrote it; absent in checkpoints written before run ids. */
  readonly runId?: string;
}

export interface CheckpointRef {
  readonly step: number;
  readonly jsonPath: string;
  readonly weightsPath: string;
  readonly state: CheckpointState;
}

const pad = (step: number) => String(step).padStart(8, "0");

/**
 * Writes one checkpoint: `step-<n>.safetensors` (atomically), then `step-<n>.json` (atomically). A crash or a failed
 * write at any point leaves earlier checkpoints untouched and no JSON for the broken one, so it is never resumed from.
 */
export async function writeCheckpoint(
  dir: string,
  tensors: ReadonlyMap<string, tf.Tensor>,
  state: Omit<CheckpointState, "weights" | "format" | "version">,
): Promise<CheckpointRef> {
  makeDirectory(dir, "checkpoints folder");
  const weightsPath = join(dir, `step-${pad(state.step)}.safetensors`);
  const jsonPath = join(dir, `step-${pad(state.step)}.json`);
  await saveSafetensors(weightsPath, tensors, { format: "pt" });
  await pausePoint(`checkpoint-json ${basename(jsonPath)}`);
  const full: CheckpointState = { format: "trm-train-checkpoint", version: 1, ...state, weights: basename(weightsPath) };
  await writeFileAtomic(jsonPath, `${JSON.stringify(full, null, 2)}\n`);
  return { step: state.step, jsonPath, weightsPath, state: full };
}

const JSON_NAME = /^step-(\d+)\.json$/;
const WEIGHTS_NAME = /^step-(\d+)\.safetensors$/;

/** Why a parsed checkpoint JSON cannot be used (a field named with what was expected), or null when it can. */
export function checkpointProblem(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "expected a JSON object";
  const s = raw as Record<string, unknown>;
  if (s.format !== "trm-train-checkpoint") return `field "format": expected "trm-train-checkpoint", got ${JSON.stringify(s.format)}`;
  const count = (k: string) => {
    const v = s[k];
    return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? null : `field "${k}": expected a non-negative integer, got ${JSON.stringify(v)}`;
  };
  const problem = count("step") ?? count("samples") ?? count("totalSteps") ?? count("carryGroups");
  if (problem) return problem;
  if (typeof s.elapsedSeconds !== "number" || !Number.isFinite(s.elapsedSeconds) || s.elapsedSeconds < 0) {
    return `field "elapsedSeconds": expected a finite number >= 0, got ${JSON.stringify(s.elapsedSeconds)}`;
  }
  if (typeof s.weights !== "string" || !WEIGHTS_NAME.test(s.weights)) {
    return `field "weights": expected a file name step-<n>.safetensors inside the checkpoints folder, got ${JSON.stringify(s.weights)}`;
  }
  const rng = s.haltingRng;
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((w) => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff)) {
    return `field "haltingRng": expected 4 unsigned 32-bit integers, got ${JSON.stringify(rng)}`;
  }
  const opt = s.optimizer as { stepCount?: unknown } | null;
  if (typeof opt !== "object" || opt === null || !Number.isSafeInteger(opt.stepCount) || (opt.stepCount as number) < 0) return `field "optimizer.stepCount": expected a non-negative integer`;
  if (typeof s.config !== "object" || s.config === null) return `field "config": expected the run's config object`;
  if (s.runId !== undefined && typeof s.runId !== "string") return `field "runId": expected a string`;
  return null;
}

export interface ListCheckpointsOptions {
  /** Only checkpoints of this run (see `run.json`); null or omitted: every checkpoint. */
  readonly runId?: string | null;
  /** Told about each checkpoint JSON that cannot be used, and why (skipped, never silently). */
  readonly onSkip?: (jsonPath: string, why: string) => void;
}

/** Completed checkpoints in `dir` (JSON valid, weights file present), newest first. */
export async function listCheckpoints(dir: string, options: ListCheckpointsOptions = {}): Promise<CheckpointRef[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const refs: CheckpointRef[] = [];
  for (const name of names) {
    if (!JSON_NAME.test(name)) continue;
    const jsonPath = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(jsonPath, "utf8"));
    } catch (e) {
      options.onSkip?.(jsonPath, `not readable JSON (${e instanceof Error ? e.message : String(e)})`);
      continue;
    }
    const problem = checkpointProblem(raw);
    if (problem) {
      options.onSkip?.(jsonPath, problem);
      continue;
    }
    const state = raw as CheckpointState;
    if (options.runId && state.runId !== options.runId) {
      options.onSkip?.(jsonPath, `field "runId": ${JSON.stringify(state.runId ?? null)} is another run's, not this folder's run ${options.runId} (run.json)`);
      continue;
    }
    const weightsPath = join(dir, state.weights);
    const st = await stat(weightsPath).catch(() => null);
    if (!st?.isFile()) {
      options.onSkip?.(jsonPath, `its weights ${weightsPath} are missing`);
      continue;
    }
    refs.push({ step: state.step, jsonPath, weightsPath, state });
  }
  return refs.sort((a, b) => b.step - a.step);
}

/** The newest completed checkpoint in `dir`, or null. */
export async function latestCheckpoint(dir: string, options: ListCheckpointsOptions = {}): Promise<CheckpointRef | null> {
  return (await listCheckpoints(dir, options))[0] ?? null;
}

/** Deletes all but the newest `keep` checkpoints of the run (JSON first, so a half-deleted one is never picked up). */
export async function pruneCheckpoints(dir: string, keep: number, runId: string | null = null): Promise<void> {
  const refs = await listCheckpoints(dir, { runId });
  for (const ref of refs.slice(keep)) {
    await rm(ref.jsonPath, { force: true });
    await pausePoint(`prune ${basename(ref.weightsPath)}`);
    await rm(ref.weightsPath, { force: true });
  }
}

/**
 * Removes weights files no checkpoint JSON names (left when a process was killed between writing the weights and
 * the JSON, or while pruning). Returns the paths removed.
 */
export async function removeOrphanWeights(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const named = new Set<string>();
  for (const name of names) {
    if (!JSON_NAME.test(name)) continue;
    try {
      const w = (JSON.parse(await readFile(join(dir, name), "utf8")) as { weights?: unknown }).weights;
      if (typeof w === "string") named.add(w);
    } catch {
      // An unreadable JSON names nothing.
    }
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!WEIGHTS_NAME.test(name) || named.has(name)) continue;
    const st = await stat(join(dir, name)).catch(() => null);
    if (!st?.isFile()) continue;
    await rm(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  return removed;
}

/** The live objects a checkpoint captures: weights, optimiser and EMA state, halting RNG, one carry per micro-batch. */
export interface TrainingState extends Optimizers {
  readonly model: RecursiveModel;
  readonly haltRng: Rng;
  /** One carry per micro-batch group; all null before the first step. */
  readonly carries: (Carry | null)[];
}

/** How far a run has come. */
export interface Progress {
  /** Optimiser steps done. */
  readonly step: number;
  /** Training rows consumed. */
  readonly samples: number;
  readonly elapsedSeconds: number;
}

const CARRY_ROWS = ["inputs", "labels"] as const;

/** The carries as named tensors (`carry.<k>.<field>`); `temps` are the ones made here, for the caller to free. */
function carryTensors(carries: readonly (Carry | null)[]): { tensors: Map<string, tf.Tensor>; temps: tf.Tensor[] } {
  const tensors = new Map<string, tf.Tensor>();
  const temps: tf.Tensor[] = [];
  // A carry is saved only once every group has one (after the first step); before that a resume starts them fresh.
  if (!carries.every((c) => c !== null)) return { tensors, temps };
  carries.forEach((c, k) => {
    if (!c) return;
    const { size: B, seqLen: L } = c.current;
    const made: [string, tf.Tensor][] = [
      ["steps", tf.tensor1d(c.steps, "int32")],
      ["halted", tf.tensor1d(Int32Array.from(c.halted), "int32")],
      ...CARRY_ROWS.map((n): [string, tf.Tensor] => [n, tf.tensor2d(c.current[n], [B, L], "int32")]),
      ["puzzle_identifiers", tf.tensor1d(c.current.puzzleIdentifiers, "int32")],
    ];
    tensors.set(`carry.${k}.z_H`, c.zH);
    tensors.set(`carry.${k}.z_L`, c.zL);
    for (const [n, t] of made) {
      tensors.set(`carry.${k}.${n}`, t);
      temps.push(t);
    }
  });
  return { tensors, temps };
}

/** The `groups` carries stored in `tensors` (copies: the caller may free `tensors`). */
async function carriesFrom(tensors: ReadonlyMap<string, tf.Tensor>, groups: number, where: string): Promise<Carry[]> {
  const carries: Carry[] = [];
  for (let k = 0; k < groups; k++) {
    const get = (n: string) => {
      const t = tensors.get(`carry.${k}.${n}`);
      if (!t) throw new FitError(`${where}: carry tensor "carry.${k}.${n}" is missing.`);
      return t;
    };
    const zH = get("z_H") as tf.Tensor3D;
    const inputs = get("inputs");
    // Awaited reads: a GPU backend (WebGPU in Node) has no synchronous download.
    const [steps, halted, inputIds, labels, puzzleIds] = await Promise.all(
      [get("steps"), get("halted"), inputs, get("labels"), get("puzzle_identifiers")].map((t) => t.data()),
    );
    carries.push({
      zH: tf.keep(zH.clone()),
      zL: tf.keep((get("z_L") as tf.Tensor3D).clone()),
      steps: Int32Array.from(steps!),
      halted: Uint8Array.from(halted!),
      current: {
        size: zH.shape[0],
        seqLen: inputs.shape[1] ?? 0,
        inputs: Int32Array.from(inputIds!),
        labels: Int32Array.from(labels!),
        puzzleIdentifiers: Int32Array.from(puzzleIds!),
      },
    });
  }
  return carries;
}

/** The entries of `tensors` under `prefix`, with the prefix removed. */
function under(prefix: string, tensors: ReadonlyMap<string, tf.Tensor>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [k, t] of tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
  return out;
}

const STATE_PREFIXES = ["ema.", "optim.", "carry."] as const;

/** The model weights of a checkpoint file: every entry that is not EMA, optimiser or carry state. */
function modelEntries(tensors: ReadonlyMap<string, tf.Tensor>): Map<string, tf.Tensor> {
  return new Map([...tensors].filter(([k]) => !STATE_PREFIXES.some((p) => k.startsWith(p))));
}

/**
 * Largest magnitude a weight may have: trained TRM/HRM weights stay within a few units, and optimiser moments are not
 * checked against it. Larger values are weights that diverged (the loss can stay finite for a while after).
 */
const MAX_WEIGHT_MAGNITUDE = 1e8;
const bounded = (name: string): boolean => !name.startsWith("optim.");

/**
 * The first float tensor holding NaN or an infinity, or (model and EMA weights, not optimiser state) a value over
 * {@link MAX_WEIGHT_MAGNITUDE} in magnitude, with what is wrong; null when all are usable.
 */
export async function firstNonFinite(tensors: ReadonlyMap<string, tf.Tensor>): Promise<string | null> {
  for (const [name, t] of tensors) {
    // An empty tensor holds nothing wrong (tfjs's all() of no elements is false).
    if (t.dtype !== "float32" || t.size === 0) continue;
    const ok = tf.tidy(() => tf.all(tf.isFinite(t)));
    const big = tf.tidy(() => (bounded(name) ? tf.max(tf.abs(t)) : tf.scalar(0)));
    const finite = (await ok.data())[0] === 1;
    const largest = (await big.data())[0] ?? 0;
    ok.dispose();
    big.dispose();
    if (!finite) return `tensor "${name}" holds NaN or an infinity`;
    if (largest > MAX_WEIGHT_MAGNITUDE) return `tensor "${name}" holds values up to ${largest.toExponential(1)} in magnitude (over ${MAX_WEIGHT_MAGNITUDE.toExponential(0)}: diverged)`;
  }
  return null;
}

/** Weights that are not finite: a checkpoint of them is never written (the last good one stays the newest). */
export class NonFiniteWeightsError extends FitError {
  override name = "NonFiniteWeightsError";
}

/** Refuses tensors read from `source` when one holds NaN, an infinity or a diverged magnitude, naming it. */
async function assertFinite(tensors: ReadonlyMap<string, tf.Tensor>, source: string): Promise<void> {
  const bad = await firstNonFinite(tensors);
  if (bad !== null) throw new NonFiniteWeightsError(`${source}: ${bad}; these weights cannot be used`);
}

/**
 * Writes a checkpoint of `state` at `progress` into `dir` (see {@link writeCheckpoint}). Weights with NaN or an
 * infinity are refused with {@link NonFiniteWeightsError}, so a checkpoint always holds finite weights.
 */
export async function saveTrainingState(
  dir: string,
  state: TrainingState,
  run: { readonly progress: Progress; readonly totalSteps: number; readonly config: TrainConfig; readonly sampler: unknown; readonly runId?: string | null },
): Promise<CheckpointRef> {
  const { tensors, temps } = carryTensors(state.carries);
  const all = new Map<string, tf.Tensor>(modelVariables(state.model));
  if (state.ema) for (const [k, t] of state.ema.stateDict()) all.set(`ema.${k}`, t);
  for (const [k, t] of state.optimizer.stateDict()) all.set(`optim.${k}`, t);
  for (const [k, t] of tensors) all.set(k, t);
  const bad = await firstNonFinite(new Map([...all].filter(([k]) => !k.startsWith("carry."))));
  if (bad !== null) {
    for (const t of temps) t.dispose();
    throw new NonFiniteWeightsError(`${bad} at step ${run.progress.step}; no checkpoint was written`);
  }
  try {
    return await writeCheckpoint(dir, all, {
      ...run.progress,
      totalSteps: run.totalSteps,
      config: run.config,
      model: { kind: state.model.kind, config: state.model.config },
      optimizer: { name: state.optimizer.name, stepCount: state.optimizer.stepCount },
      haltingRng: state.haltRng.state(),
      sampler: run.sampler,
      carryGroups: tensors.size > 0 ? state.carries.length : 0,
      ...(run.runId ? { runId: run.runId } : {}),
    });
  } finally {
    for (const t of temps) t.dispose();
  }
}

/**
 * Restores `state` from a checkpoint written by {@link saveTrainingState}: model weights (through core's
 * `loadStateDict`), EMA, optimiser, halting RNG and carries. The batch layout must be the one it was saved with.
 */
export async function restoreTrainingState(ref: CheckpointRef, state: TrainingState, layout: BatchLayout): Promise<Progress> {
  const st = ref.state;
  const savedMicro = st.config.micro_batch_size ?? st.config.global_batch_size;
  if (st.config.global_batch_size !== layout.global || savedMicro !== layout.micro) {
    throw new FitError(
      `${ref.jsonPath}: saved with global/micro batch ${st.config.global_batch_size}/${savedMicro}, ` +
        `the config asks for ${layout.global}/${layout.micro}; the carry cannot be resumed across a change of batch layout.`,
    );
  }
  const tensors = await loadSafetensors(ref.weightsPath);
  try {
    await assertFinite(new Map([...tensors].filter(([k]) => !k.startsWith("carry."))), ref.weightsPath);
    loadStateDict(state.model, modelEntries(tensors), { source: ref.weightsPath });
    state.ema?.loadStateDict(under("ema.", tensors));
    state.optimizer.loadStateDict(under("optim.", tensors), st.optimizer.stepCount);
    state.haltRng.setState(st.haltingRng);
    (await carriesFrom(tensors, st.carryGroups, ref.weightsPath)).forEach((c, k) => (state.carries[k] = c));
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return { step: st.step, samples: st.samples, elapsedSeconds: st.elapsedSeconds };
}

/**
 * Loads weights for evaluation from a training checkpoint or a plain weights file, through core's `loadStateDict`:
 * the EMA copy (`ema.` prefix) of the parameters when present (what the official evaluation uses), otherwise the
 * plain ones; buffers and the puzzle table always from their plain names. Returns which copy was used.
 */
export function loadEvalWeights(model: RecursiveModel, tensors: ReadonlyMap<string, tf.Tensor>, source: string): "ema" | "raw" {
  const hasEma = [...model.params.keys()].every((k) => tensors.has(`ema.${k}`));
  const weights = stripPrefixes(modelEntries(tensors));
  if (hasEma) for (const [k, t] of under("ema.", tensors)) if (model.params.has(k)) weights.set(k, t);
  // Extra entries (an official checkpoint's optimiser state, say) are ignored; a missing weight is an error.
  const missing = [...modelVariables(model).keys()].filter((k) => !weights.has(k));
  if (missing.length > 0) throw new Error(`${source}: tensor "${missing.join('", "')}" is missing.`);
  loadStateDict(model, weights, { source, strict: false });
  return hasEma ? "ema" : "raw";
}

/**
 * Reads a checkpoint or weights file (safetensors, or an official torch.save checkpoint) and puts its evaluation
 * weights into `model` (see {@link loadEvalWeights}), after checking they are finite: a tensor holding NaN or an
 * infinity is a {@link NonFiniteWeightsError} naming the file and the tensor, never a silent 0% evaluation. Returns
 * which copy was used.
 */
export async function readEvalWeights(model: RecursiveModel, path: string): Promise<"ema" | "raw"> {
  const tensors = await loadWeightsFile(path);
  try {
    const hasEma = [...model.params.keys()].every((k) => tensors.has(`ema.${k}`));
    const used = new Map([...tensors].filter(([k]) => (hasEma && k.startsWith("ema.")) || !STATE_PREFIXES.some((p) => k.startsWith(p))));
    await assertFinite(used, path);
    return loadEvalWeights(model, tensors, path);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
