import * as tf from "@tensorflow/tfjs-core";
import { createTrm, disposeCarry, resolveTrmConfig, type Batch, type Carry, type RecursiveModel, type StepResult } from "@trm/core";
import { createRng } from "@trm/data";
import { createHrm, resolveHrmConfig } from "@trm/hrm-baseline";
import { AdamATan2 } from "@trm/train";
import { flopShapeOf, type BenchConfig } from "./configs.js";
import { stepFlops, type StepFlops } from "./flops.js";
import { memorySnapshot, type MemorySnapshot } from "./memory.js";
import { timeRunsAsync, type Timing } from "./stats.js";

export function createModel(config: BenchConfig, seed = 0): RecursiveModel {
  return config.kind === "trm" ? createTrm(resolveTrmConfig(config.model), { seed }) : createHrm(resolveHrmConfig(config.model), { seed });
}

/** A deterministic batch of random tokens (the speed of a step does not depend on what the tokens say). */
export function randomBatch(size: number, seqLen: number, vocab: number, seed = 1): Batch {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    // xorshift32: enough for filler tokens.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const inputs = new Int32Array(size * seqLen);
  const labels = new Int32Array(size * seqLen);
  for (let i = 0; i < inputs.length; i++) {
    inputs[i] = 1 + Math.floor(next() * (vocab - 1));
    labels[i] = 2 + Math.floor(next() * Math.max(1, vocab - 2));
  }
  return { size, seqLen, inputs, labels, puzzleIdentifiers: new Int32Array(size) };
}

function disposeStep(r: StepResult): void {
  r.outputs.logits.dispose();
  r.outputs.qHalt.dispose();
  r.outputs.qContinue.dispose();
  r.outputs.qContinueTarget?.dispose();
}

/** One training supervision step and its optimiser update, as a closure over the carry it advances. */
export interface TrainLoop {
  step(): Promise<void>;
  dispose(): void;
}

export function createTrainLoop(model: RecursiveModel, batch: Batch, seed = 3): TrainLoop {
  const optimizer = new AdamATan2(model.params, { betas: [0.9, 0.95] });
  let carry: Carry = model.initialCarry(batch);
  const rng = createRng(seed);
  return {
    async step(): Promise<void> {
      const r = await model.trainStep(carry, batch, { rng, lossDivisor: batch.size });
      optimizer.step(r.grads, 1e-4);
      for (const g of r.grads.values()) g.dispose();
      // The puzzle-embedding rows go to a sparse SignSGD in training; its cost is one [B, D] update, left out here.
      r.puzzleEmbGrad?.grad.dispose();
      disposeStep(r);
      disposeCarry(carry);
      carry = r.carry;
    },
    dispose(): void {
      disposeCarry(carry);
      optimizer.dispose();
    },
  };
}

/** A full evaluation of one batch: `steps` supervision steps from a fresh carry (no early halting at eval). */
export async function evaluateBatch(model: RecursiveModel, batch: Batch, steps: number): Promise<void> {
  let carry = model.initialCarry(batch);
  for (let i = 0; i < steps; i++) {
    const r = await model.evalStep(carry, batch);
    disposeStep(r);
    disposeCarry(carry);
    carry = r.carry;
  }
  disposeCarry(carry);
}

export interface ModelBenchOptions {
  readonly warmup: number;
  readonly runs: number;
  readonly evalWarmup: number;
  readonly evalRuns: number;
  readonly evalSteps: number;
  /** Overrides the configuration's micro-batch. */
  readonly batch?: number;
}

export interface ModelBenchResult {
  readonly config: string;
  readonly description: string;
  readonly kind: "trm" | "hrm";
  readonly batch: number;
  readonly optimizer: string;
  readonly flops: StepFlops;
  readonly train: Timing;
  readonly trainSamplesPerSec: number;
  readonly trainGflops: number;
  /** Per CPU second of this process. */
  readonly trainGflopsCpu: number;
  readonly evalSteps: number;
  readonly eval: Timing;
  readonly evalGflops: number;
  readonly evalGflopsCpu: number;
  /** tf.memory().numTensors after each counted training step, then after each evaluation. */
  readonly numTensorsPerStep: readonly number[];
  readonly numTensorsFlat: boolean;
  readonly memory: MemorySnapshot;
}

export async function benchModel(config: BenchConfig, options: ModelBenchOptions): Promise<ModelBenchResult> {
  const batchSize = options.batch ?? config.batch;
  const model = createModel(config);
  try {
    const shape = flopShapeOf(config.kind, model.config, batchSize);
    const flops = stepFlops(shape);
    const batch = randomBatch(batchSize, shape.seqLen, shape.vocab);
    const trainCounts: number[] = [];
    const loop = createTrainLoop(model, batch);
    let train: Timing;
    try {
      let calls = 0;
      train = await timeRunsAsync(() => loop.step(), {
        warmup: options.warmup,
        runs: options.runs,
        // Counted after the warm-up only: the optimiser's moments exist from its construction, the carry is replaced.
        after: () => {
          if (calls++ >= options.warmup) trainCounts.push(tf.memory().numTensors);
        },
      });
    } finally {
      loop.dispose();
    }
    const before = tf.memory().numTensors;
    const evalCounts: number[] = [];
    const evalTiming = await timeRunsAsync(() => evaluateBatch(model, batch, options.evalSteps), {
      warmup: options.evalWarmup,
      runs: options.evalRuns,
      after: () => evalCounts.push(tf.memory().numTensors),
    });
    const counts = [...trainCounts, ...evalCounts];
    const flat = trainCounts.every((c) => c === trainCounts[0]) && evalCounts.every((c) => c === before);
    return {
      config: config.name,
      description: config.description,
      kind: config.kind,
      batch: batchSize,
      optimizer: "AdamATan2 (@trm/train), betas (0.9, 0.95)",
      flops,
      train,
      trainSamplesPerSec: batchSize / (train.medianMs / 1000),
      trainGflops: flops.train / (train.medianMs * 1e6),
      trainGflopsCpu: flops.train / (train.cpuMedianMs * 1e6),
      evalSteps: options.evalSteps,
      eval: evalTiming,
      evalGflops: (options.evalSteps * flops.evalStep) / (evalTiming.medianMs * 1e6),
      evalGflopsCpu: (options.evalSteps * flops.evalStep) / (evalTiming.cpuMedianMs * 1e6),
      numTensorsPerStep: counts,
      numTensorsFlat: flat,
      memory: memorySnapshot(),
    };
  } finally {
    model.dispose();
  }
}
