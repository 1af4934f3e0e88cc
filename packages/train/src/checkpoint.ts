import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type * as tf from "@tensorflow/tfjs";
import { saveSafetensors, writeFileAtomic } from "@trm/core";
import type { TrainConfig } from "./config.js";

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
