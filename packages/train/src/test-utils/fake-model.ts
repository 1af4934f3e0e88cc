import * as tf from "@tensorflow/tfjs-core";
import { IGNORE_LABEL } from "@trm/data";
import { disposeCarry, type Batch, type Carry, type RecursiveModel, type StepResult, type TrainStepOptions, type TrainStepResult } from "@trm/core";

export interface FakeModelConfig {
  readonly vocab: number;
  readonly seqLen: number;
  readonly numPuzzleIds: number;
  readonly haltMaxSteps: number;
  readonly haltExplorationProb?: number;
  readonly seed?: number;
}

/**
 * A small stand-in for TRM/HRM that honours the whole {@link RecursiveModel} contract with real gradients:
 * logits = onehot(x) . W + E[puzzle id], halting logits from the mean logit row, ACT carry with the official
 * refill semantics, halting exploration drawn row by row from the caller's rng. Fast enough for loop tests.
 */
export class FakeModel implements RecursiveModel {
  readonly kind = "fake";
  readonly config: Readonly<Record<string, unknown>>;
  readonly params: Map<string, tf.Variable>;
  readonly puzzleEmb: tf.Variable;
  readonly buffers = new Map<string, tf.Variable>();
  readonly haltMaxSteps: number;
  readonly noActContinue = true;
  /** When set, the training losses of calls at or after this trainStep call number are NaN. */
  poisonFromCall: number | null = null;
  private calls = 0;
  private readonly hidden = 2;

  constructor(private readonly cfg: FakeModelConfig) {
    this.config = { name: "fake", vocab_size: cfg.vocab, seq_len: cfg.seqLen, halt_max_steps: cfg.haltMaxSteps };
    this.haltMaxSteps = cfg.haltMaxSteps;
    let s = (cfg.seed ?? 1) >>> 0;
    const rand = (n: number, scale: number) =>
      Float32Array.from({ length: n }, () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return (s / 2 ** 32 - 0.5) * scale;
      });
    const V = cfg.vocab;
    // The variable keeps the data; the initial tensor is freed.
    const variable = (t: tf.Tensor, trainable: boolean) => {
      const v = tf.variable(t, trainable);
      t.dispose();
      return v;
    };
    this.params = new Map([
      ["inner.embed.weight", variable(tf.tensor2d(rand(V * V, 0.2), [V, V]), true)],
      ["inner.q_head.weight", variable(tf.tensor2d(rand(2 * V, 0.2), [V, 2]), true)],
      ["inner.q_head.bias", variable(tf.tensor1d([-1, 0]), true)],
    ]);
    this.puzzleEmb = variable(tf.zeros([cfg.numPuzzleIds, V]), false);
  }

  initialCarry(batch: Batch): Carry {
    const B = batch.size;
    return {
      zH: tf.zeros([B, 1 + batch.seqLen, this.hidden]),
      zL: tf.zeros([B, 1 + batch.seqLen, this.hidden]),
      steps: new Int32Array(B),
      halted: new Uint8Array(B).fill(1),
      current: batch,
    };
  }

  /** Halted slots take their row of `batch` and restart; the others keep theirs. */
  private refill(carry: Carry, batch: Batch): { current: Batch; steps: Int32Array; zH: tf.Tensor3D; zL: tf.Tensor3D } {
    const B = batch.size;
    const L = batch.seqLen;
    const inputs = Int32Array.from(carry.current.inputs);
    const labels = Int32Array.from(carry.current.labels);
    const ids = Int32Array.from(carry.current.puzzleIdentifiers);
    const steps = Int32Array.from(carry.steps);
    const keep = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      if (carry.halted[b]) {
        inputs.set(batch.inputs.subarray(b * L, (b + 1) * L), b * L);
        labels.set(batch.labels.subarray(b * L, (b + 1) * L), b * L);
        ids[b] = batch.puzzleIdentifiers[b] ?? 0;
        steps[b] = 0;
      } else keep[b] = 1;
    }
    const [zH, zL] = tf.tidy(() => {
      const k = tf.tensor3d(keep, [B, 1, 1]);
      // The state moves a little each step so a checkpointed carry matters for exact resumption.
      return [tf.add(tf.mul(carry.zH, k), 0.25), tf.sub(tf.mul(carry.zL, k), 0.5)] as [tf.Tensor3D, tf.Tensor3D];
    });
    return { current: { size: B, seqLen: L, inputs, labels, puzzleIdentifiers: ids }, steps, zH, zL };
  }

  private forward(current: Batch, rows: tf.Tensor2D): { logits: tf.Tensor3D; q: tf.Tensor2D } {
    const { size: B, seqLen: L } = current;
    const V = this.cfg.vocab;
    const W = this.params.get("inner.embed.weight") as tf.Variable;
    const oneHot = tf.cast(tf.oneHot(tf.tensor1d(current.inputs, "int32"), V), "float32");
    const tokenLogits = tf.reshape(tf.matMul(oneHot, W), [B, L, V]);
    const logits = tf.add<tf.Tensor3D>(tokenLogits, tf.reshape(rows, [B, 1, V]));
    const pooled = tf.mean<tf.Tensor2D>(logits, 1);
    const q = tf.add<tf.Tensor2D>(tf.matMul(pooled, this.params.get("inner.q_head.weight") as tf.Variable), this.params.get("inner.q_head.bias") as tf.Variable);
    return { logits, q };
  }

  private scores(current: Batch, logits: tf.Tensor3D) {
    const B = current.size;
    const L = current.seqLen;
    const am = tf.tidy(() => tf.argMax(logits, -1));
    const pred = am.dataSync() as Int32Array;
    am.dispose();
    const exactCorrect = new Uint8Array(B);
    const labelCounts = new Int32Array(B);
    const correctCounts = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      for (let l = 0; l < L; l++) {
        const y = current.labels[b * L + l] ?? IGNORE_LABEL;
        if (y === IGNORE_LABEL) continue;
        labelCounts[b] = (labelCounts[b] ?? 0) + 1;
        if (pred[b * L + l] === y) correctCounts[b] = (correctCounts[b] ?? 0) + 1;
      }
      exactCorrect[b] = labelCounts[b] === correctCounts[b] && (labelCounts[b] ?? 0) > 0 ? 1 : 0;
    }
    return { exactCorrect, labelCounts, correctCounts };
  }

  /** Loss terms as tensors: lm (softmax CE per-row mean, summed), BCE of q_halt against exactness. */
  private lossTerms(current: Batch, logits: tf.Tensor3D, q: tf.Tensor2D, exact: Uint8Array): { lm: tf.Scalar; qHalt: tf.Scalar } {
    const { size: B, seqLen: L } = current;
    const V = this.cfg.vocab;
    const mask = Float32Array.from(current.labels, (y) => (y === IGNORE_LABEL ? 0 : 1));
    const safe = Int32Array.from(current.labels, (y) => (y === IGNORE_LABEL ? 0 : y));
    const logp = tf.logSoftmax(tf.reshape(logits, [B * L, V]));
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.cast(tf.oneHot(tf.tensor1d(safe, "int32"), V), "float32")), -1));
    const m = tf.tensor2d(mask, [B, L]);
    const perRow = tf.div(tf.sum(tf.mul(tf.reshape(nll, [B, L]), m), 1), tf.maximum(tf.sum(m, 1), 1));
    const qh = tf.reshape(tf.slice(q, [0, 0], [B, 1]), [B]);
    const target = tf.tensor1d(Float32Array.from(exact));
    // BCE with logits: max(x, 0) - x t + log(1 + exp(-|x|)).
    const bce = tf.add(tf.sub(tf.relu(qh), tf.mul(qh, target)), tf.log1p(tf.exp(tf.neg(tf.abs(qh)))));
    return { lm: tf.sum<tf.Scalar>(perRow), qHalt: tf.sum<tf.Scalar>(bce) };
  }

  trainStep(carry: Carry, batch: Batch, options: TrainStepOptions): Promise<TrainStepResult> {
    return Promise.resolve(this.trainStepNow(carry, batch, options));
  }

  private trainStepNow(carry: Carry, batch: Batch, options: TrainStepOptions): TrainStepResult {
    this.calls += 1;
    const { current, steps, zH, zL } = this.refill(carry, batch);
    const B = current.size;
    const ids = current.puzzleIdentifiers;
    const rowsVar = tf.tidy(() => tf.variable(tf.gather(this.puzzleEmb, tf.tensor1d(ids, "int32")), true));
    const probe = tf.tidy(() => this.forward(current, rowsVar as tf.Tensor2D).logits);
    const scored = this.scores(current, probe);
    probe.dispose();
    let lmValue = 0;
    let qValue = 0;
    const varList = [...this.params.values(), rowsVar];
    const { grads, outputs } = tf.tidy(() => {
      let kept: { logits: tf.Tensor3D; q: tf.Tensor2D } | null = null;
      const { grads } = tf.variableGrads(() => {
        const f = this.forward(current, rowsVar as tf.Tensor2D);
        kept = { logits: tf.keep(f.logits), q: tf.keep(f.q) };
        const t = this.lossTerms(current, f.logits, f.q, scored.exactCorrect);
        lmValue = t.lm.dataSync()[0] ?? NaN;
        qValue = t.qHalt.dataSync()[0] ?? NaN;
        return tf.div<tf.Scalar>(tf.add(t.lm, tf.mul(t.qHalt, 0.5)), options.lossDivisor);
      }, varList);
      return { grads, outputs: kept as unknown as { logits: tf.Tensor3D; q: tf.Tensor2D } };
    });
    if (this.poisonFromCall !== null && this.calls >= this.poisonFromCall) lmValue = NaN;
    const rowGrad = grads[rowsVar.name] as tf.Tensor2D;
    rowsVar.dispose();
    const paramGrads = new Map<string, tf.Tensor>();
    for (const [name, v] of this.params) paramGrads.set(name, grads[v.name] as tf.Tensor);

    const qHalt = tf.tidy(() => tf.reshape<tf.Rank.R1>(tf.slice(outputs.q, [0, 0], [B, 1]), [B]));
    const qContinue = tf.tidy(() => tf.reshape<tf.Rank.R1>(tf.slice(outputs.q, [0, 1], [B, 1]), [B]));
    outputs.q.dispose();
    const qh = qHalt.dataSync();
    const halted = new Uint8Array(B);
    const p = this.cfg.haltExplorationProb ?? 0.1;
    for (let b = 0; b < B; b++) {
      steps[b] = (steps[b] ?? 0) + 1;
      const s = steps[b] ?? 0;
      let h = s >= this.haltMaxSteps || (qh[b] ?? 0) > 0;
      // Exploration, drawn row by row so that micro-batches consume the stream in the same order as one batch.
      const minSteps = options.rng.next() < p ? 2 + Math.floor(options.rng.next() * (this.haltMaxSteps - 1)) : 0;
      if (s < this.haltMaxSteps) h = h && s >= minSteps;
      halted[b] = h ? 1 : 0;
    }
    return {
      carry: { zH, zL, steps, halted, current },
      outputs: { logits: outputs.logits, qHalt, qContinue },
      losses: { lm: lmValue, qHalt: qValue, qContinue: 0, total: lmValue + 0.5 * qValue },
      ...scored,
      grads: paramGrads,
      puzzleEmbGrad: { ids: Int32Array.from(ids), grad: rowGrad },
    };
  }

  evalStep(carry: Carry, batch: Batch): Promise<StepResult> {
    return Promise.resolve(this.evalStepNow(carry, batch));
  }

  private evalStepNow(carry: Carry, batch: Batch): StepResult {
    const { current, steps, zH, zL } = this.refill(carry, batch);
    const B = current.size;
    const { logits, q, lm, qh } = tf.tidy(() => {
      const rows = tf.gather(this.puzzleEmb, tf.tensor1d(current.puzzleIdentifiers, "int32")) as tf.Tensor2D;
      const f = this.forward(current, rows);
      return { logits: f.logits, q: f.q, lm: tf.scalar(0), qh: tf.scalar(0) };
    });
    lm.dispose();
    qh.dispose();
    const scored = this.scores(current, logits);
    const qHalt = tf.tidy(() => tf.reshape<tf.Rank.R1>(tf.slice(q, [0, 0], [B, 1]), [B]));
    const qContinue = tf.tidy(() => tf.reshape<tf.Rank.R1>(tf.slice(q, [0, 1], [B, 1]), [B]));
    q.dispose();
    const halted = new Uint8Array(B);
    for (let b = 0; b < B; b++) {
      steps[b] = (steps[b] ?? 0) + 1;
      halted[b] = (steps[b] ?? 0) >= this.haltMaxSteps ? 1 : 0;
    }
    return {
      carry: { zH, zL, steps, halted, current },
      outputs: { logits, qHalt, qContinue },
      losses: { lm: 0, qHalt: 0, qContinue: 0, total: 0 },
      ...scored,
    };
  }

  stateDict(): Map<string, tf.Tensor> {
    return new Map<string, tf.Tensor>([...this.params, ["inner.puzzle_emb.weights", this.puzzleEmb]]);
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.puzzleEmb.dispose();
  }
}

/**
 * A synthetic task the fake model can learn: each label is (input + shift) mod (vocab - 1) + 1, with a shift chosen
 * by the puzzle id, so the per-id embedding matters. Rows are drawn from a fixed pool by a seeded counter.
 */
export function fakeBatch(rows: number, seqLen: number, vocab: number, seed: number, numPuzzleIds = 2): Batch {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const inputs = new Int32Array(rows * seqLen);
  const labels = new Int32Array(rows * seqLen);
  const ids = new Int32Array(rows);
  for (let b = 0; b < rows; b++) {
    ids[b] = next() % numPuzzleIds;
    for (let l = 0; l < seqLen; l++) {
      const x = 1 + (next() % (vocab - 1));
      inputs[b * seqLen + l] = x;
      labels[b * seqLen + l] = l === 0 ? IGNORE_LABEL : ((x - 1 + 1 + (ids[b] ?? 0)) % (vocab - 1)) + 1;
    }
  }
  return { size: rows, seqLen, inputs, labels, puzzleIdentifiers: ids };
}

/** A sampler over {@link fakeBatch} with a restorable counter state, shaped like `@trm/data`'s TrainSampler. */
export class FakeSampler {
  private counter: number;
  constructor(
    private readonly opts: { batchSize: number; seqLen: number; vocab: number; seed: number },
    state?: unknown,
  ) {
    this.counter = typeof state === "number" ? state : 0;
  }
  next(): Batch {
    this.counter += 1;
    return fakeBatch(this.opts.batchSize, this.opts.seqLen, this.opts.vocab, this.opts.seed * 7919 + this.counter);
  }
  state(): number {
    return this.counter;
  }
}

/**
 * A minimal evaluation for `fit`'s `evaluate` callback in these tests (the real one is `@trm/eval`'s): every row of
 * `batch` through `haltMaxSteps` evaluation steps, then the official per-row token accuracy and exact accuracy.
 */
export function fakeEvaluate(model: RecursiveModel, batch: Batch): () => Promise<{ rows: number; accuracy: number; exact_accuracy: number }> {
  return async () => {
    let carry = model.initialCarry(batch);
    let last: StepResult | null = null;
    for (let s = 0; s < model.haltMaxSteps; s++) {
      last = await model.evalStep(carry, batch);
      disposeCarry(carry);
      carry = last.carry;
      for (const t of [last.outputs.logits, last.outputs.qHalt, last.outputs.qContinue, last.outputs.qContinueTarget]) t?.dispose();
    }
    disposeCarry(carry);
    const rows = batch.size;
    let accuracy = 0;
    let exact = 0;
    for (let r = 0; r < rows; r++) {
      accuracy += (last?.correctCounts[r] ?? 0) / Math.max(1, last?.labelCounts[r] ?? 0);
      exact += last?.exactCorrect[r] ?? 0;
    }
    return { rows, accuracy: accuracy / rows, exact_accuracy: exact / rows };
  };
}
