import * as tf from "@tensorflow/tfjs-core";
import { actLossTerms, beginStep, decideHalting, readStep, type ActLoss, type StepReadout } from "./act.js";
import type { BlockContext } from "./block.js";
import { inputEmbedding } from "./embedding.js";
import { linear, toInOut } from "./linear.js";
import { noGrad } from "./no-grad.js";
import { createVariables, type ParamSpec } from "./param-spec.js";
import { createRng, IGNORE_LABEL } from "@trm/data";
import { qContinueTarget } from "./q-target.js";
import type { Batch, Carry, RecursiveModel, StepResult, TrainStepOptions, TrainStepResult } from "./recursive-model.js";
import { ropeTables, type RopeTables } from "./rope.js";
import { modelVariables } from "./state-dict.js";

/** The two states of a recursion, [B * S, D] each: y (z_H, the answer) and z (z_L, the latent reasoning state). */
export interface States {
  readonly y: tf.Tensor2D;
  readonly z: tf.Tensor2D;
}

/** One network call: new states from the current ones (it replaces y or z). */
export type Update = (s: States) => States;

/**
 * A model's recursion for one supervision step, in order: the `offTape` updates run without gradient (official
 * `torch.no_grad()`), the `onTape` ones are recorded and backpropagated through.
 */
export interface Recursion {
  readonly offTape: readonly Update[];
  readonly onTape: readonly Update[];
}

/** A step's weights by official name; linear matrices come transposed to [in, out], once per step. */
export type Weights = (name: string) => tf.Tensor;

/** What the supervision step needs of an architecture (official field names). */
// A type alias, not an interface, so that a config fits the contract's `Readonly<Record<string, unknown>>`.
export type StepArch = {
  readonly hidden_size: number;
  readonly num_heads: number;
  readonly vocab_size: number;
  /** Tokens per row, without the puzzle prefix. */
  readonly seq_len: number;
  /** Puzzle-prefix positions per row. */
  readonly puzzle_emb_len: number;
  readonly num_puzzle_identifiers: number;
  readonly halt_max_steps: number;
  readonly halt_exploration_prob: number;
  readonly rms_norm_eps: number;
  readonly rope_theta: number;
  readonly mlp_t: boolean;
  readonly pos_encodings: string;
};

/** Every tensor of a model by kind, in initialisation order: trainable params, fixed buffers, the puzzle table. */
export interface ModelTensors {
  readonly params: readonly ParamSpec[];
  readonly buffers: readonly ParamSpec[];
  readonly puzzleEmb: ParamSpec | null;
}

/** Positions per row: the puzzle prefix and the tokens (the one place this sum is made). */
export function positionsOf(arch: { readonly seq_len: number; readonly puzzle_emb_len: number }): number {
  return arch.seq_len + arch.puzzle_emb_len;
}

/** How a model halts, as the official `no_ACT_continue`. */
export type HaltingRule =
  /** Halt on q_halt > 0; q_continue is not trained (TRM's default). */
  | "q_halt"
  /** Halt on q_halt > q_continue; q_continue learns a bootstrapped Q target (HRM, TRM with `no_ACT_continue: false`). */
  | "q_halt_vs_continue";

/**
 * The stream the initial weights are drawn from, for a model seeded with `seed`. Not `seed` itself: a training run
 * seeds its batch sampler with the same number from the same generator, and the official code draws the weights and
 * the data order from unrelated generators (torch's and numpy's), so the two must not replay one stream.
 */
export function initialWeightsSeed(seed: number): number {
  if (!Number.isFinite(seed)) return seed; // createRng names it
  const s = Math.trunc(seed);
  // Only the low 32 bits change, so seeds above 2^32 stay distinct (createRng folds the high bits in).
  return Math.floor(s / 0x100000000) * 0x100000000 + (((s >>> 0) ^ 0x1b873593) >>> 0);
}

/** What a model hands the skeleton besides its recursion. */
export interface ModelParts<C extends StepArch> {
  readonly config: C;
  readonly tensors: ModelTensors;
  /** Seed of the one initialisation stream (params, then buffers, then the puzzle table). */
  readonly seed: number;
  readonly halting: HaltingRule;
}

/** The tensors a step keeps past its scopes until the result is packed. */
interface Kept {
  readonly s: States;
  readonly logits: tf.Tensor2D;
  readonly qHalt: tf.Tensor1D;
  readonly qContinue: tf.Tensor1D;
  readonly target: tf.Tensor1D | null;
  readonly loss: ActLoss;
}

/** Runs updates without a tape, each in its own scope, freeing every intermediate state; `from` is left alone. */
function runOffTape(updates: readonly Update[], from: States): States {
  let s = from;
  for (const update of updates) {
    const prev = s;
    const [y, z] = tf.tidy(() => {
      const next = update(prev);
      return [next.y, next.z];
    });
    s = { y, z };
    for (const k of ["y", "z"] as const) if (prev[k] !== s[k] && prev[k] !== from[k]) prev[k].dispose();
  }
  return s;
}

function keep(k: Kept): Kept {
  const { loss } = k;
  for (const t of [k.s.y, k.s.z, k.logits, k.qHalt, k.qContinue, k.target, loss.lm, loss.qHalt, loss.qContinue, loss.total, loss.correctCounts, loss.exactCorrect]) {
    if (t) tf.keep(t);
  }
  return k;
}

/**
 * The supervision step TRM and HRM share (official ACT wrapper and loss head): reset halted slots and load their data,
 * run the model's off-tape updates, record its on-tape ones, take the gradients of the parameters and of the batch's
 * puzzle-embedding rows, score, halt, and hand back the new carry. A model supplies its tensors, its halting rule and
 * its {@link Recursion}; everything else is here.
 */
export abstract class SupervisedModel<C extends StepArch> implements RecursiveModel {
  abstract readonly kind: string;
  /** The resolved configuration (every default filled). */
  readonly config: C;
  readonly params: ReadonlyMap<string, tf.Variable>;
  readonly puzzleEmb: tf.Variable | null;
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  readonly haltMaxSteps: number;
  readonly noActContinue: boolean;
  /** Positions per row: puzzle prefix + tokens. */
  readonly positions: number;
  private readonly names: readonly string[];
  private readonly linearNames: ReadonlySet<string>;
  private readonly rope: RopeTables | null;
  private disposed = false;

  protected constructor(parts: ModelParts<C>) {
    const { config, tensors } = parts;
    this.config = config;
    this.haltMaxSteps = config.halt_max_steps;
    this.noActContinue = parts.halting === "q_halt";
    this.positions = positionsOf(config);
    const rng = createRng(initialWeightsSeed(parts.seed));
    this.params = createVariables(tensors.params, rng, true);
    this.buffers = createVariables(tensors.buffers, rng, false);
    this.puzzleEmb = tensors.puzzleEmb ? (createVariables([tensors.puzzleEmb], rng, false).get(tensors.puzzleEmb.name) ?? null) : null;
    this.names = tensors.params.map((p) => p.name);
    this.linearNames = new Set(tensors.params.filter((p) => p.linear).map((p) => p.name));
    const rope = !config.mlp_t && config.pos_encodings === "rope";
    this.rope = rope ? ropeTables(config.hidden_size / config.num_heads, this.positions, config.rope_theta) : null;
    if (this.rope) {
      tf.keep(this.rope.cos);
      tf.keep(this.rope.sin);
    }
  }

  /** The model's recursion for one step, from that step's weights and input embedding x̃ [B * S, D]. */
  protected abstract recursion(w: Weights, x: tf.Tensor2D, ctx: BlockContext): Recursion;

  /** The carry before the first step: every slot halted, so the first step resets all of them (the states are unused). */
  initialCarry(batch: Batch): Carry {
    this.checkBatch(batch);
    const shape: [number, number, number] = [batch.size, this.positions, this.config.hidden_size];
    return { zH: tf.zeros(shape), zL: tf.zeros(shape), steps: new Int32Array(batch.size), halted: new Uint8Array(batch.size).fill(1), current: batch };
  }

  async trainStep(carry: Carry, batch: Batch, options: TrainStepOptions): Promise<TrainStepResult> {
    if (!(options.lossDivisor > 0)) throw new Error(`${this.kind} trainStep: lossDivisor must be positive, got ${options.lossDivisor}.`);
    const { from, current, steps } = this.begin(carry, batch);
    const isLast = Uint8Array.from(steps, (s) => (s >= this.haltMaxSteps ? 1 : 0));
    const rows = this.puzzleRows(current);
    const index = new Map(this.names.map((n, i) => [n, i]));
    const ctx = this.context(current.size);
    const box: { kept?: Kept } = {};
    const grads = tf.tidy(() => {
      const views = this.weightViews();
      const w: Weights = (n) => views.get(n) ?? this.missing(n);
      const start = runOffTape(this.recursion(w, this.embed(w, current, rows), ctx).offTape, from);
      const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
        const wt: Weights = (n) => xs[index.get(n) ?? -1] ?? this.missing(n);
        const x = this.embed(wt, current, rows ? (xs[this.names.length] as tf.Tensor2D) : null);
        const recursion = this.recursion(wt, x, ctx);
        const s = recursion.onTape.reduce((state, update) => update(state), start);
        const heads = this.heads(wt, s.y, current.size);
        const target = this.noActContinue ? null : noGrad(() => this.continueTarget(wt, recursion, s, current.size, isLast));
        const loss = actLossTerms({ ...heads, labels: current.labels, batch: current.size, seqLen: current.seqLen, qContinueTarget: target });
        box.kept = keep({ s, ...heads, target, loss });
        return tf.div<tf.Scalar>(loss.total, options.lossDivisor);
      })([...this.names.map(w), ...(rows ? [rows] : [])]);
      value.dispose();
      return grads.map((g, i) => (this.linearNames.has(this.names[i] ?? "") ? toInOut(g) : g));
    });
    const k = box.kept;
    tf.dispose([from.y, from.z, ...(rows ? [rows] : [])]);
    if (!k) throw new Error(`${this.kind} trainStep: the recorded forward did not run.`);
    const read = await readStep(k.loss, k.qHalt, k.qContinue);
    const halted = decideHalting({
      steps,
      qHalt: read.qHalt,
      qContinue: read.qContinue,
      haltMaxSteps: this.haltMaxSteps,
      training: true,
      explorationProb: this.config.halt_exploration_prob,
      noActContinue: this.noActContinue,
      rng: options.rng,
    });
    const puzzleGrad = rows ? (grads[this.names.length] as tf.Tensor2D) : null;
    return {
      ...this.finish(k, read, current, steps, halted),
      grads: new Map(this.names.map((n, i) => [n, grads[i]!])),
      puzzleEmbGrad: puzzleGrad ? { ids: Int32Array.from(current.puzzleIdentifiers), grad: puzzleGrad } : null,
    };
  }

  async evalStep(carry: Carry, batch: Batch): Promise<StepResult> {
    const { from, current, steps } = this.begin(carry, batch);
    const rows = this.puzzleRows(current);
    const box: { kept?: Kept } = {};
    tf.tidy(() => {
      const views = this.weightViews();
      const w: Weights = (n) => views.get(n) ?? this.missing(n);
      const recursion = this.recursion(w, this.embed(w, current, rows), this.context(current.size));
      const s = runOffTape([...recursion.offTape, ...recursion.onTape], from);
      const heads = this.heads(w, s.y, current.size);
      const loss = actLossTerms({ ...heads, labels: current.labels, batch: current.size, seqLen: current.seqLen, qContinueTarget: null });
      box.kept = keep({ s, ...heads, target: null, loss });
    });
    const k = box.kept;
    tf.dispose([from.y, from.z, ...(rows ? [rows] : [])]);
    if (!k) throw new Error(`${this.kind} evalStep: the forward pass did not run.`);
    const read = await readStep(k.loss, k.qHalt, k.qContinue);
    // Evaluation never halts early: every row runs all N_sup steps (official).
    const halted = Uint8Array.from(steps, (s) => (s >= this.haltMaxSteps ? 1 : 0));
    return this.finish(k, read, current, steps, halted);
  }

  stateDict(): Map<string, tf.Tensor> {
    this.assertLive();
    return modelVariables(this);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([...this.params.values(), ...this.buffers.values(), ...(this.puzzleEmb ? [this.puzzleEmb] : [])]);
    if (this.rope) tf.dispose([this.rope.cos, this.rope.sin]);
  }

  /** Halted slots reset to (H_init, L_init) and refilled from `batch`; steps counted after this one. */
  private begin(carry: Carry, batch: Batch): { from: States; current: Batch; steps: Int32Array } {
    this.checkBatch(batch);
    const start = beginStep(carry, batch, this.buffer("inner.H_init"), this.buffer("inner.L_init"));
    const d = this.config.hidden_size;
    const from = { y: tf.reshape<tf.Rank.R2>(start.zH, [-1, d]), z: tf.reshape<tf.Rank.R2>(start.zL, [-1, d]) };
    tf.dispose([start.zH, start.zL]);
    return { from, current: start.current, steps: start.steps.map((s) => s + 1) };
  }

  /** Packs the kept tensors and the step's one host read into the contract's result; frees what it does not hand out. */
  private finish(k: Kept, read: StepReadout, current: Batch, steps: Int32Array, halted: Uint8Array): StepResult {
    const b = current.size;
    const shape: [number, number, number] = [b, this.positions, this.config.hidden_size];
    const carry: Carry = { zH: tf.reshape(k.s.y, shape), zL: tf.reshape(k.s.z, shape), steps, halted, current };
    const logits = tf.reshape<tf.Rank.R3>(k.logits, [b, current.seqLen, this.config.vocab_size]);
    tf.dispose([k.s.y, k.s.z, k.logits]);
    const { qHalt, qContinue, target } = k;
    return {
      carry,
      outputs: target ? { logits, qHalt, qContinue, qContinueTarget: target } : { logits, qHalt, qContinue },
      losses: read.losses,
      exactCorrect: read.exactCorrect,
      labelCounts: k.loss.labelCounts,
      correctCounts: read.correctCounts,
    };
  }

  /**
   * The Q-learning target for q_continue: one more full forward of the current weights from the new states with the
   * same data (off the tape, a constant of the loss); sigmoid(next q_halt) at the last step, else
   * sigmoid(max(next q_halt, next q_continue)).
   */
  private continueTarget(w: Weights, recursion: Recursion, s: States, b: number, isLast: Uint8Array): tf.Tensor1D {
    const next = runOffTape([...recursion.offTape, ...recursion.onTape], s);
    const heads = this.heads(w, next.y, b);
    return qContinueTarget(heads.qHalt, heads.qContinue, isLast);
  }

  /** Linear weights transposed to [in, out] once for the whole step; everything else as is. */
  private weightViews(): Map<string, tf.Tensor> {
    return new Map([...this.params].map(([n, v]) => [n, this.linearNames.has(n) ? toInOut(v) : v]));
  }

  /** x̃: the scaled input embedding with the puzzle prefix, [B * S, D]. */
  private embed(w: Weights, current: Batch, rows: tf.Tensor2D | null): tf.Tensor2D {
    const positions = this.config.pos_encodings === "learned" ? (w("inner.embed_pos.embedding_weight") as tf.Tensor2D) : null;
    return inputEmbedding(current.inputs, w("inner.embed_tokens.embedding_weight") as tf.Tensor2D, rows, positions, {
      batch: current.size,
      seqLen: current.seqLen,
      prefixLen: this.config.puzzle_emb_len,
      hiddenSize: this.config.hidden_size,
    });
  }

  /** lm_head on y with the prefix dropped; q_head on y[:, 0] gives the (halt, continue) logits. */
  private heads(w: Weights, y: tf.Tensor2D, b: number): { logits: tf.Tensor2D; qHalt: tf.Tensor1D; qContinue: tf.Tensor1D } {
    const { hidden_size: d, puzzle_emb_len: p, seq_len: l } = this.config;
    const y3 = tf.reshape<tf.Rank.R3>(y, [b, p + l, d]);
    const body = tf.reshape<tf.Rank.R2>(tf.slice(y3, [0, p, 0], [b, l, d]), [b * l, d]);
    const logits = linear(body, w("inner.lm_head.weight") as tf.Tensor2D);
    const first = tf.reshape<tf.Rank.R2>(tf.slice(y3, [0, 0, 0], [b, 1, d]), [b, d]);
    const q = linear(first, w("inner.q_head.weight") as tf.Tensor2D, w("inner.q_head.bias") as tf.Tensor1D);
    const [qHalt, qContinue] = tf.unstack(q, 1) as [tf.Tensor1D, tf.Tensor1D];
    return { logits, qHalt, qContinue };
  }

  /** The batch's rows of the puzzle table, gathered off the tape (the table itself is never differentiated). */
  private puzzleRows(current: Batch): tf.Tensor2D | null {
    const table = this.puzzleEmb;
    return table ? tf.tidy(() => tf.gather<tf.Tensor2D>(table as tf.Tensor2D, tf.tensor1d(current.puzzleIdentifiers, "int32"))) : null;
  }

  private context(batch: number): BlockContext {
    return { batch, seq: this.positions, numHeads: this.config.num_heads, eps: this.config.rms_norm_eps, rope: this.rope };
  }

  private buffer(name: string): tf.Variable {
    return this.buffers.get(name) ?? this.missing(name);
  }

  private missing(name: string): never {
    throw new Error(`${this.kind}: tensor "${name}" is missing.`);
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`${this.kind}: the model was disposed.`);
  }

  private checkBatch(batch: Batch): void {
    this.assertLive();
    const { seq_len: l, vocab_size: v, num_puzzle_identifiers: ids } = this.config;
    if (batch.seqLen !== l) throw new Error(`${this.kind}: batch rows have ${batch.seqLen} tokens but the model was built for seq_len ${l}.`);
    const n = batch.size * l;
    if (batch.inputs.length !== n || batch.labels.length !== n || batch.puzzleIdentifiers.length !== batch.size) {
      throw new Error(
        `${this.kind}: a batch of ${batch.size} x ${l} needs ${n} inputs, ${n} labels, ${batch.size} puzzle identifiers; ` +
          `got ${batch.inputs.length}, ${batch.labels.length}, ${batch.puzzleIdentifiers.length}.`,
      );
    }
    batch.labels.forEach((label, i) => {
      if (label !== IGNORE_LABEL && (label < 0 || label >= v)) {
        throw new Error(`${this.kind}: label ${label} at row ${Math.floor(i / l)}, position ${i % l} is outside [0, ${v}) and is not ${IGNORE_LABEL}.`);
      }
    });
    if (!this.puzzleEmb) return;
    batch.puzzleIdentifiers.forEach((id, r) => {
      if (id < 0 || id >= ids) throw new Error(`${this.kind}: row ${r} has puzzle identifier ${id}, outside [0, ${ids}).`);
    });
  }
}
