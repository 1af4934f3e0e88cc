import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadSafetensors, loadStateDict, modelVariables, saveSafetensors, stripPrefixes, writeFileAtomic, type Carry, type RecursiveModel } from "@trm/core";
import type { BatchLayout } from "./accumulate.js";
import type { Optimizers } from "./apply.js";
import type { TrainConfig } from "./config.js";
import { FitError } from "./errors.js";

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
  await mkdir(dir, { recursive: true });
  const weightsPath = join(dir, `step-${pad(state.step)}.safetensors`);
  const jsonPath = join(dir, `step-${pad(state.step)}.json`);
  await saveSafetensors(weightsPath, tensors, { format: "pt" });
  const full: CheckpointState = { format: "trm-train-checkpoint", version: 1, ...state, weights: basename(weightsPath) };
  await writeFileAtomic(jsonPath, `${JSON.stringify(full, null, 2)}\n`);
  return { step: state.step, jsonPath, weightsPath, state: full };
}

const JSON_NAME = /^step-(\d+)\.json$/;

/** Completed checkpoints in `dir` (JSON and weights both present), newest first. */
export async function listCheckpoints(dir: string): Promise<CheckpointRef[]> {
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
    let state: CheckpointState;
    try {
      state = JSON.parse(await readFile(jsonPath, "utf8")) as CheckpointState;
    } catch {
      continue;
    }
    if (state.format !== "trm-train-checkpoint") continue;
    const weightsPath = join(dir, state.weights);
    const st = await stat(weightsPath).catch(() => null);
    if (!st?.isFile()) continue;
    refs.push({ step: state.step, jsonPath, weightsPath, state });
  }
  return refs.sort((a, b) => b.step - a.step);
}

/** The newest completed checkpoint in `dir`, or null. */
export async function latestCheckpoint(dir: string): Promise<CheckpointRef | null> {
  return (await listCheckpoints(dir))[0] ?? null;
}

/** Deletes all but the newest `keep` checkpoints (JSON first, so a half-deleted one is never picked up). */
export async function pruneCheckpoints(dir: string, keep: number): Promise<void> {
  const refs = await listCheckpoints(dir);
  for (const ref of refs.slice(keep)) {
    await rm(ref.jsonPath, { force: true });
    await rm(ref.weightsPath, { force: true });
  }
}

/** The live objects a checkpoint captures: weights, optimiser and EMA state, halting RNG, one carry per micro-batch. */
export interface TrainingState extends Optimizers {
  readonly model: RecursiveModel;
  readonly haltRng: { next(): number; state(): number[]; setState(words: number[]): void };
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
function carriesFrom(tensors: ReadonlyMap<string, tf.Tensor>, groups: number, where: string): Carry[] {
  return Array.from({ length: groups }, (_, k) => {
    const get = (n: string) => {
      const t = tensors.get(`carry.${k}.${n}`);
      if (!t) throw new FitError(`${where}: carry tensor "carry.${k}.${n}" is missing.`);
      return t;
    };
    const zH = get("z_H") as tf.Tensor3D;
    const inputs = get("inputs");
    return {
      zH: tf.keep(zH.clone()),
      zL: tf.keep((get("z_L") as tf.Tensor3D).clone()),
      steps: Int32Array.from(get("steps").dataSync()),
      halted: Uint8Array.from(get("halted").dataSync()),
      current: {
        size: zH.shape[0],
        seqLen: inputs.shape[1] ?? 0,
        inputs: Int32Array.from(inputs.dataSync()),
        labels: Int32Array.from(get("labels").dataSync()),
        puzzleIdentifiers: Int32Array.from(get("puzzle_identifiers").dataSync()),
      },
    };
  });
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

/** Writes a checkpoint of `state` at `progress` into `dir` (see {@link writeCheckpoint}). */
export async function saveTrainingState(
  dir: string,
  state: TrainingState,
  run: { readonly progress: Progress; readonly totalSteps: number; readonly config: TrainConfig; readonly sampler: unknown },
): Promise<CheckpointRef> {
  const { tensors, temps } = carryTensors(state.carries);
  const all = new Map<string, tf.Tensor>(modelVariables(state.model));
  if (state.ema) for (const [k, t] of state.ema.stateDict()) all.set(`ema.${k}`, t);
  for (const [k, t] of state.optimizer.stateDict()) all.set(`optim.${k}`, t);
  for (const [k, t] of tensors) all.set(k, t);
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
    loadStateDict(state.model, modelEntries(tensors), { source: ref.weightsPath });
    state.ema?.loadStateDict(under("ema.", tensors));
    state.optimizer.loadStateDict(under("optim.", tensors), st.optimizer.stepCount);
    state.haltRng.setState(st.haltingRng);
    carriesFrom(tensors, st.carryGroups, ref.weightsPath).forEach((c, k) => (state.carries[k] = c));
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
