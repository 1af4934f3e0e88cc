import * as tf from "@tensorflow/tfjs-core";
import { disposeCarry, type Batch, type Carry, type StepResult, type TrainStepResult } from "@trm/core";
import { createHrm, type Hrm } from "../hrm.js";
import { createRng, IGNORE_LABEL } from "@trm/data";

/** A 2+2-cycle HRM small enough for tests: one block per module, hidden 16, puzzle prefix of 1 token. */
export const TINY_CONFIG = {
  hidden_size: 16,
  num_heads: 2,
  expansion: 2,
  H_layers: 1,
  L_layers: 1,
  H_cycles: 2,
  L_cycles: 2,
  vocab_size: 5,
  seq_len: 6,
  puzzle_emb_ndim: 16,
  num_puzzle_identifiers: 2,
  halt_max_steps: 4,
} as const;

/**
 * A tiny model whose Q head and puzzle table are non-zero (the official init zeroes both, which would hide their
 * gradient paths).
 */
export function tinyHrm(seed = 3, overrides: Record<string, unknown> = {}): Hrm {
  const model = createHrm({ ...TINY_CONFIG, ...overrides }, { seed });
  const rng = createRng(seed + 1000);
  const fill = (v: tf.Variable, scale: number) =>
    v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => (rng.next() * 2 - 1) * scale), v.shape));
  fill(model.params.get("inner.q_head.weight")!, 0.5);
  if (model.puzzleEmb) fill(model.puzzleEmb, 1);
  return model;
}

/** A seeded batch: some labels ignored, two rows sharing a puzzle id. */
export function tinyBatch(rows = 3, seed = 7, seqLen: number = TINY_CONFIG.seq_len, vocab: number = TINY_CONFIG.vocab_size): Batch {
  const rng = createRng(seed);
  const n = rows * seqLen;
  const inputs = Int32Array.from({ length: n }, () => Math.floor(rng.next() * vocab));
  const labels = Int32Array.from({ length: n }, (_, i) => (i % 5 === 1 ? IGNORE_LABEL : Math.floor(rng.next() * vocab)));
  const puzzleIdentifiers = Int32Array.from({ length: rows }, (_, r) => (r === 0 ? 0 : 1));
  return { size: rows, seqLen, inputs, labels, puzzleIdentifiers };
}

/** Frees every tensor of a step result except its carry. */
export function disposeOutputs(r: StepResult | TrainStepResult): void {
  const o = r.outputs;
  tf.dispose([o.logits, o.qHalt, o.qContinue]);
  o.qContinueTarget?.dispose();
  if ("grads" in r) {
    tf.dispose([...r.grads.values()]);
    r.puzzleEmbGrad?.grad.dispose();
  }
}

/** The carry with every slot kept (no reset at the next step), as the golden reference steps on. */
export function keepAll(carry: Carry): Carry {
  return { ...carry, halted: new Uint8Array(carry.halted.length) };
}

export { disposeCarry };
