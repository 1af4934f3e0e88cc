import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTrm, modelVariables, resolveTrmConfig, type Batch, type RecursiveModel, type TrainStepResult } from "@trm/core";
import { IGNORE_LABEL, TrainSampler } from "@trm/data";
import { createHrm, resolveHrmConfig } from "@trm/hrm-baseline";
import { fit } from "@trm/train";
import { trainConfig, type ParityOptions } from "./options.js";
import { saveSafetensors } from "@trm/core/node";
import { readDataset } from "@trm/data/node";

/** What one loop did at one optimiser step (the same shape from both loops). */
export interface StepTrace {
  readonly step: number;
  /** Loss terms summed over the batch's rows (before the division by the batch size). */
  readonly loss: number;
  readonly lm: number;
  readonly q_halt: number;
  readonly q_continue: number;
  /** Per row: 1 when the row halted after this step. */
  readonly halted: number[];
  /** Per row: supervision steps the row has run, this one included. */
  readonly steps: number[];
  readonly q_halt_logits: number[];
}

export interface Trace {
  readonly steps: StepTrace[];
  /** Weights (official names, flattened) after the chosen steps, keyed by step. */
  readonly weights: Record<string, Record<string, number[]>>;
}

/** Files the project's loop leaves for the reference: initial weights and the batches in the order used. */
export interface TsRun {
  readonly trace: Trace;
  readonly initPath: string;
  readonly batchesPath: string;
}

function createModel(o: ParityOptions, shape: { vocab_size: number; seq_len: number; num_puzzle_identifiers: number }): RecursiveModel {
  const { arch, seed } = trainConfig(o);
  const config = { ...arch, ...shape };
  return o.model === "trm" ? createTrm(resolveTrmConfig(config), { seed }) : createHrm(resolveHrmConfig(config), { seed });
}

function weightsOf(model: RecursiveModel): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, v] of modelVariables(model)) out[name] = Array.from(v.dataSync());
  return out;
}

/**
 * Trains with this project's `fit` (the same function `trm-train fit` runs) for `o.steps` steps and records every
 * step. The model's trainStep is wrapped to read each step's loss terms, halting decisions and q_halt logits; the
 * sampler is wrapped to record the batches. Writes `init.safetensors` (the weights before step 1, official names) and
 * `batches.json` (train_ref.py's `--batches` layout) into `outDir`.
 */
export async function runProjectLoop(o: ParityOptions, outDir: string, weightsAt: ReadonlySet<number>): Promise<TsRun> {
  await mkdir(outDir, { recursive: true });
  const config = trainConfig(o);
  const train = readDataset(o.data, "train");
  const meta = train.metadata;
  const model = createModel(o, { vocab_size: meta.vocab_size, seq_len: meta.seq_len, num_puzzle_identifiers: meta.num_puzzle_identifiers });
  try {
    const initPath = join(outDir, "init.safetensors");
    await saveSafetensors(initPath, modelVariables(model), { format: "pt" });
    const trace: Trace = { steps: [], weights: {} };
    if (weightsAt.has(0)) trace.weights["0"] = weightsOf(model);

    const batches: Batch[] = [];
    const inner = model.trainStep.bind(model);
    const record = (r: TrainStepResult): TrainStepResult => {
      const q = Array.from(r.outputs.qHalt.dataSync());
      trace.steps.push({
        step: trace.steps.length + 1,
        loss: r.losses.total,
        lm: r.losses.lm,
        q_halt: r.losses.qHalt,
        q_continue: r.losses.qContinue,
        halted: Array.from(r.carry.halted),
        steps: Array.from(r.carry.steps),
        q_halt_logits: q,
      });
      return r;
    };
    // The wrapper keeps whatever the model returns (a result or a promise of one).
    (model as { trainStep: unknown }).trainStep = (...args: Parameters<RecursiveModel["trainStep"]>) => {
      const r = inner(...args) as TrainStepResult | Promise<TrainStepResult>;
      return r instanceof Promise ? r.then(record) : record(r);
    };

    const result = await fit({
      model,
      config,
      totalSteps: o.steps,
      createSampler: (opts) => {
        const s = new TrainSampler(train, opts);
        return {
          next: () => {
            const b = s.next();
            batches.push(b);
            return b;
          },
          state: () => s.state(),
        };
      },
      onEvent: (e) => {
        if (e.type === "step" && weightsAt.has(e.step)) trace.weights[String(e.step)] = weightsOf(model);
      },
    });
    if (result.status !== "completed") throw new Error(`loop-parity: the project's loop stopped early: ${result.message}`);

    const batchesPath = join(outDir, "batches.json");
    await writeFile(batchesPath, batchesJson(batches));
    await writeFile(join(outDir, "ts-trace.json"), JSON.stringify(trace));
    return { trace, initPath, batchesPath };
  } finally {
    model.dispose();
  }
}

/**
 * The starting point of a run without training it: `init.safetensors` (this project's initial weights for `o.seed`,
 * official names) and `batches.json` (the first `o.steps` batches `fit`'s sampler draws for that seed), the same two
 * files {@link runProjectLoop} writes. The sampler draws one batch per optimiser step whatever the model does, so these
 * are the batches a `fit` run of `o.steps` steps trains on.
 */
export async function dumpStart(o: ParityOptions, outDir: string): Promise<{ initPath: string; batchesPath: string }> {
  await mkdir(outDir, { recursive: true });
  const config = trainConfig(o);
  const train = readDataset(o.data, "train");
  const meta = train.metadata;
  const model = createModel(o, { vocab_size: meta.vocab_size, seq_len: meta.seq_len, num_puzzle_identifiers: meta.num_puzzle_identifiers });
  const initPath = join(outDir, "init.safetensors");
  try {
    await saveSafetensors(initPath, modelVariables(model), { format: "pt" });
  } finally {
    model.dispose();
  }
  const sampler = new TrainSampler(train, { batchSize: config.global_batch_size, seed: config.seed });
  const batches: Batch[] = [];
  for (let i = 0; i < o.steps; i++) batches.push(sampler.next());
  const batchesPath = join(outDir, "batches.json");
  await writeFile(batchesPath, batchesJson(batches));
  return { initPath, batchesPath };
}

/**
 * train_ref.py's `--batches` JSON: `{"B", "L", "batches": [{"inputs", "labels", "pid"}]}` with flat token lists and
 * label 0 meaning "ignored" (the reference maps it to -100). A batch with a real label 0 cannot be written that way.
 */
export function batchesJson(batches: readonly Batch[]): string {
  const first = batches[0];
  if (!first) return JSON.stringify({ B: 0, L: 0, batches: [] });
  const rows = batches.map((b, k) => {
    const labels = Array.from(b.labels, (l, i) => {
      if (l === 0) throw new Error(`loop-parity: batch ${k} has a real label 0 at position ${i}; train_ref.py reads label 0 as ignored.`);
      return l === IGNORE_LABEL ? 0 : l;
    });
    return { inputs: Array.from(b.inputs), labels, pid: Array.from(b.puzzleIdentifiers) };
  });
  return JSON.stringify({ B: first.size, L: first.seqLen, batches: rows });
}
