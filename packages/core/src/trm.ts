import * as tf from "@tensorflow/tfjs";
import { actLossTerms, beginStep, decideHalting, readStep, type ActLoss, type StepReadout } from "./act.js";
import { block, blockWeights, splitBlockWeights, type BlockContext, type BlockWeights } from "./block.js";
import { inputEmbedding } from "./embedding.js";
import { linear, toInOut } from "./linear.js";
import { noGrad } from "./no-grad.js";
import { createVariables } from "./param-spec.js";
import { createRng } from "./prng.js";
import { qContinueTarget } from "./q-target.js";
import { modelVariables } from "./state-dict.js";
import type {
  Batch,
  Carry,
  PuzzleEmbeddingGrad,
  RecursiveModel,
  StepOutputs,
  StepResult,
  TrainStepOptions,
  TrainStepResult,
} from "./recursive-model.js";
import { ropeTables, type RopeTables } from "./rope.js";
import { resolveTrmConfig, trmBlockConfig, trmParamLayout, type TrmConfig } from "./trm-config.js";

export interface CreateTrmOptions {
  /** Seed of the initialisation (default 0). The same seed gives the same weights. */
  readonly seed?: number;
}

/** A tensor of the model by official name, in the layout the forward pass uses ([in, out] for linear weights). */
type Lookup = (name: string) => tf.Tensor;

/** The per-step view of the weights: each linear matrix transposed once and reused by all n + 1 net calls. */
interface StepWeights {
  readonly embed: tf.Tensor2D;
  readonly positions: tf.Tensor2D | null;
  readonly layers: readonly BlockWeights[];
  readonly lmHead: tf.Tensor2D;
  readonly qHead: tf.Tensor2D;
  readonly qBias: tf.Tensor1D;
}

/** Tensors a step keeps past its tidy scope. */
interface StepTensors {
  readonly heads: Heads;
  readonly target: tf.Tensor1D | null;
  readonly loss: ActLoss;
  readonly zH: tf.Tensor2D;
  readonly zL: tf.Tensor2D;
}

interface Heads {
  /** [B * L, vocab] */
  readonly logits: tf.Tensor2D;
  readonly qHalt: tf.Tensor1D;
  readonly qContinue: tf.Tensor1D;
}

/**
 * The Tiny Recursive Model (official `TinyRecursiveReasoningModel_ACTV1` with its ACT loss head).
 *
 * One network `L_level` of post-norm blocks updates two states: the latent z (z_L) by z <- net(z + y + x) n times,
 * then the answer y (z_H) by y <- net(y + z). A supervision step runs T such cycles, the first T - 1 without gradient;
 * the heads read y. Hidden states flow as [B * S, D] so that every hot product is a 2-D {@link linear}.
 */
export class Trm implements RecursiveModel {
  readonly kind = "trm";
  readonly config: Readonly<Record<string, unknown>>;
  /** The resolved configuration. */
  readonly cfg: TrmConfig;
  readonly params: ReadonlyMap<string, tf.Variable>;
  readonly puzzleEmb: tf.Variable | null;
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  readonly haltMaxSteps: number;
  readonly noActContinue: boolean;
  /** Positions per row: puzzle prefix + tokens. */
  readonly totalSeqLen: number;
  private readonly linearNames: ReadonlySet<string>;
  private readonly paramNames: readonly string[];
  private readonly rope: RopeTables | null;
  private disposed = false;

  constructor(config: Readonly<Record<string, unknown>>, options: CreateTrmOptions = {}) {
    const cfg = resolveTrmConfig(config);
    this.cfg = cfg;
    this.config = { model: "trm", ...cfg };
    this.haltMaxSteps = cfg.halt_max_steps;
    this.noActContinue = cfg.no_ACT_continue;
    this.totalSeqLen = cfg.seq_len + cfg.puzzle_emb_len;
    const layout = trmParamLayout(cfg);
    const rng = createRng(options.seed ?? 0);
    this.params = createVariables(layout.params, rng, true);
    this.buffers = createVariables(layout.buffers, rng, false);
    this.puzzleEmb = layout.puzzleEmb ? (createVariables([layout.puzzleEmb], rng, false).get(layout.puzzleEmb.name) ?? null) : null;
    this.linearNames = new Set(layout.params.filter((p) => p.linear).map((p) => p.name));
    this.paramNames = layout.params.map((p) => p.name);
    this.rope = !cfg.mlp_t && cfg.pos_encodings === "rope" ? ropeTables(cfg.hidden_size / cfg.num_heads, this.totalSeqLen, cfg.rope_theta) : null;
    if (this.rope) {
      tf.keep(this.rope.cos);
      tf.keep(this.rope.sin);
    }
  }

  initialCarry(batch: Batch): Carry {
    this.checkBatch(batch);
    const shape: [number, number, number] = [batch.size, this.totalSeqLen, this.cfg.hidden_size];
    const fill = (name: string) => tf.tidy(() => tf.broadcastTo<tf.Rank.R3>(tf.reshape(this.buffer(name), [1, 1, -1]), shape));
    return {
      zH: fill("inner.H_init"),
      zL: fill("inner.L_init"),
      steps: new Int32Array(batch.size),
      halted: new Uint8Array(batch.size).fill(1),
      current: {
        size: batch.size,
        seqLen: batch.seqLen,
        inputs: new Int32Array(batch.inputs),
        labels: new Int32Array(batch.labels),
        puzzleIdentifiers: new Int32Array(batch.puzzleIdentifiers),
      },
    };
  }

  async trainStep(carry: Carry, batch: Batch, options: TrainStepOptions): Promise<TrainStepResult> {
    if (!(options.lossDivisor > 0)) throw new Error(`Trm.trainStep: lossDivisor must be positive, got ${options.lossDivisor}.`);
    this.checkBatch(batch);
    const start = beginStep(carry, batch, this.buffer("inner.H_init"), this.buffer("inner.L_init"));
    const cur = start.current;
    const b = cur.size;
    const steps = start.steps.map((s) => s + 1);
    const isLast = Uint8Array.from(steps, (s) => (s >= this.haltMaxSteps ? 1 : 0));
    // Filled inside tidy scopes; a holder object keeps the types through the closures.
    const box: { kept?: StepTensors; grads?: Map<string, tf.Tensor>; puzzleGrad?: tf.Tensor2D | null } = {};
    tf.tidy(() => {
      const w = this.prepareWeights();
      const rows = this.gatherPuzzleRows(cur);
      // T - 1 cycles without gradient: computed before (outside) the gradient closure, so nothing is recorded.
      const [zH0, zL0] = tf.tidy(() => {
        const weights = this.stepWeights((n) => w.get(n)!);
        const x = this.embed(cur, weights, rows);
        const zH = tf.reshape<tf.Rank.R2>(start.zH, [-1, this.cfg.hidden_size]);
        const zL = tf.reshape<tf.Rank.R2>(start.zL, [-1, this.cfg.hidden_size]);
        return this.cyclesNoGrad(zH, zL, x, weights, b, this.cfg.H_cycles - 1);
      });
      const inputs = [...this.paramNames.map((n) => w.get(n)!), ...(rows ? [rows] : [])];
      const index = new Map(this.paramNames.map((n, i) => [n, i]));
      const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
        const get: Lookup = (n) => xs[index.get(n)!]!;
        const weights = this.stepWeights(get);
        const x = this.embed(cur, weights, rows ? (xs[this.paramNames.length] as tf.Tensor2D) : null);
        // The last cycle with full backpropagation through its n + 1 net calls.
        const [zH, zL] = this.cycle(zH0, zL0, x, weights, b, false);
        const heads = this.heads(zH, weights, b);
        const target = this.cfg.no_ACT_continue ? null : noGrad(() => this.continueTarget(zH, zL, x, weights, b, isLast));
        const loss = actLossTerms({ ...heads, labels: cur.labels, batch: b, seqLen: cur.seqLen, qContinueTarget: target });
        for (const t of [heads.logits, heads.qHalt, heads.qContinue, loss.lm, loss.qHalt, loss.qContinue, loss.total, loss.correctCounts, loss.exactCorrect, zH, zL]) tf.keep(t);
        if (target) tf.keep(target);
        box.kept = { heads, target, loss, zH, zL };
        return tf.div<tf.Scalar>(loss.total, options.lossDivisor);
      })(inputs);
      value.dispose();
      const out = new Map<string, tf.Tensor>();
      this.paramNames.forEach((n, i) => {
        const g = grads[i]!;
        out.set(n, tf.keep(this.linearNames.has(n) ? toInOut(g) : g));
      });
      box.grads = out;
      box.puzzleGrad = rows ? tf.keep(grads[this.paramNames.length] as tf.Tensor2D) : null;
    });
    start.zH.dispose();
    start.zL.dispose();
    const { kept: k, grads, puzzleGrad } = box;
    if (!k || !grads || puzzleGrad === undefined) throw new Error("Trm.trainStep: the gradient closure did not run.");
    const read = await readStep(k.loss, k.heads.qHalt, k.heads.qContinue);
    const halted = decideHalting({
      steps,
      qHalt: read.qHalt,
      qContinue: read.qContinue,
      haltMaxSteps: this.haltMaxSteps,
      training: true,
      explorationProb: this.cfg.halt_exploration_prob,
      noActContinue: this.cfg.no_ACT_continue,
      rng: options.rng,
    });
    const puzzleEmbGrad: PuzzleEmbeddingGrad | null = puzzleGrad ? { ids: new Int32Array(cur.puzzleIdentifiers), grad: puzzleGrad } : null;
    return { ...this.finish(k, read, cur, steps, halted), grads, puzzleEmbGrad };
  }

  async evalStep(carry: Carry, batch: Batch): Promise<StepResult> {
    this.checkBatch(batch);
    const start = beginStep(carry, batch, this.buffer("inner.H_init"), this.buffer("inner.L_init"));
    const cur = start.current;
    const b = cur.size;
    const steps = start.steps.map((s) => s + 1);
    const box: { kept?: StepTensors } = {};
    tf.tidy(() => {
      const w = this.prepareWeights();
      const weights = this.stepWeights((n) => w.get(n)!);
      const x = this.embed(cur, weights, this.gatherPuzzleRows(cur));
      const [zH, zL] = this.cyclesNoGrad(
        tf.reshape<tf.Rank.R2>(start.zH, [-1, this.cfg.hidden_size]),
        tf.reshape<tf.Rank.R2>(start.zL, [-1, this.cfg.hidden_size]),
        x,
        weights,
        b,
        this.cfg.H_cycles,
      );
      const heads = this.heads(zH, weights, b);
      const loss = actLossTerms({ ...heads, labels: cur.labels, batch: b, seqLen: cur.seqLen, qContinueTarget: null });
      for (const t of [heads.logits, heads.qHalt, heads.qContinue, loss.lm, loss.qHalt, loss.qContinue, loss.total, loss.correctCounts, loss.exactCorrect, zH, zL]) tf.keep(t);
      box.kept = { heads, target: null, loss, zH, zL };
    });
    const k = box.kept;
    if (!k) throw new Error("Trm.evalStep: the forward pass did not run.");
    start.zH.dispose();
    start.zL.dispose();
    const read = await readStep(k.loss, k.heads.qHalt, k.heads.qContinue);
    // Evaluation never halts early: every row runs all N_sup steps.
    const halted = decideHalting({
      steps,
      qHalt: new Float32Array(b),
      qContinue: new Float32Array(b),
      haltMaxSteps: this.haltMaxSteps,
      training: false,
      explorationProb: 0,
      noActContinue: this.cfg.no_ACT_continue,
      rng: null,
    });
    return this.finish(k, read, cur, steps, halted);
  }

  stateDict(): Map<string, tf.Tensor> {
    return modelVariables(this);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.stateDict().values()) v.dispose();
    this.rope?.cos.dispose();
    this.rope?.sin.dispose();
  }

  /** Packs the kept tensors and the host read of a step into the contract's result. */
  private finish(k: StepTensors, read: StepReadout, cur: Batch, steps: Int32Array, halted: Uint8Array): StepResult {
    const shape: [number, number, number] = [cur.size, this.totalSeqLen, this.cfg.hidden_size];
    const zH = tf.reshape<tf.Rank.R3>(k.zH, shape);
    const zL = tf.reshape<tf.Rank.R3>(k.zL, shape);
    const logits = tf.reshape<tf.Rank.R3>(k.heads.logits, [cur.size, cur.seqLen, this.cfg.vocab_size]);
    for (const t of [k.zH, k.zL, k.heads.logits]) t.dispose();
    const outputs: StepOutputs = k.target
      ? { logits, qHalt: k.heads.qHalt, qContinue: k.heads.qContinue, qContinueTarget: k.target }
      : { logits, qHalt: k.heads.qHalt, qContinue: k.heads.qContinue };
    return {
      carry: { zH, zL, steps, halted, current: cur },
      outputs,
      losses: read.losses,
      exactCorrect: read.exactCorrect,
      labelCounts: k.loss.labelCounts,
      correctCounts: read.correctCounts,
    };
  }

  /** Linear weights transposed to [in, out] once for the whole step; everything else as is. */
  private prepareWeights(): Map<string, tf.Tensor> {
    const w = new Map<string, tf.Tensor>();
    for (const [name, v] of this.params) w.set(name, this.linearNames.has(name) ? toInOut(v) : v);
    return w;
  }

  private stepWeights(get: Lookup): StepWeights {
    const cfg = trmBlockConfig(this.cfg);
    const layers: BlockWeights[] = [];
    for (let i = 0; i < this.cfg.L_layers; i++) layers.push(splitBlockWeights(blockWeights(`inner.L_level.layers.${i}`, cfg, (n) => get(n) as tf.Tensor2D)));
    return {
      embed: get("inner.embed_tokens.embedding_weight") as tf.Tensor2D,
      positions: this.cfg.pos_encodings === "learned" ? (get("inner.embed_pos.embedding_weight") as tf.Tensor2D) : null,
      layers,
      lmHead: get("inner.lm_head.weight") as tf.Tensor2D,
      qHead: get("inner.q_head.weight") as tf.Tensor2D,
      qBias: get("inner.q_head.bias") as tf.Tensor1D,
    };
  }

  /** The batch's rows of the puzzle table, read outside the tape (the table itself is never differentiated). */
  private gatherPuzzleRows(cur: Batch): tf.Tensor2D | null {
    if (!this.puzzleEmb) return null;
    const n = this.cfg.num_puzzle_identifiers;
    cur.puzzleIdentifiers.forEach((id, r) => {
      if (id < 0 || id >= n) throw new Error(`Trm: puzzle identifier ${id} at row ${r} is outside [0, ${n}).`);
    });
    return tf.gather<tf.Tensor2D>(this.puzzleEmb as tf.Tensor2D, tf.tensor1d(cur.puzzleIdentifiers, "int32"));
  }

  private embed(cur: Batch, w: StepWeights, rows: tf.Tensor2D | null): tf.Tensor2D {
    return inputEmbedding(cur.inputs, w.embed, rows, w.positions, {
      batch: cur.size,
      seqLen: cur.seqLen,
      prefixLen: this.cfg.puzzle_emb_len,
      hiddenSize: this.cfg.hidden_size,
    });
  }

  private context(b: number): BlockContext {
    return { batch: b, seq: this.totalSeqLen, numHeads: this.cfg.num_heads, eps: this.cfg.rms_norm_eps, rope: this.rope };
  }

  /** net(h + injection): the official `L_level` reasoning module. */
  private net(h: tf.Tensor2D, injection: tf.Tensor2D, w: StepWeights, ctx: BlockContext): tf.Tensor2D {
    let x = tf.add<tf.Tensor2D>(h, injection);
    for (const layer of w.layers) x = block(x, layer, ctx);
    return x;
  }

  /**
   * One recursion cycle: n times z <- net(z + (y + x)), then y <- net(y + z). With `tidy`, each net call frees its
   * inputs' intermediates (no-grad phases); under the gradient closure they must stay for backpropagation.
   */
  private cycle(zH: tf.Tensor2D, zL: tf.Tensor2D, x: tf.Tensor2D, w: StepWeights, b: number, tidy: boolean): [tf.Tensor2D, tf.Tensor2D] {
    const ctx = this.context(b);
    const run = (f: () => tf.Tensor2D) => (tidy ? tf.tidy(f) : f());
    // y + x is the same for all n latent updates of a cycle: add it once.
    const injection = tf.add<tf.Tensor2D>(zH, x);
    let z = zL;
    for (let i = 0; i < this.cfg.L_cycles; i++) {
      const prev = z;
      z = run(() => this.net(prev, injection, w, ctx));
      // Without a tape, an old latent is garbage at once (a [B * S, D] state per call would pile up otherwise).
      if (tidy && prev !== zL) prev.dispose();
    }
    const zLast = z;
    const y = run(() => this.net(zH, zLast, w, ctx));
    if (tidy) injection.dispose();
    return [y, z];
  }

  /** `count` cycles without gradient, freeing every intermediate state; the inputs are left alone. */
  private cyclesNoGrad(zH: tf.Tensor2D, zL: tf.Tensor2D, x: tf.Tensor2D, w: StepWeights, b: number, count: number): [tf.Tensor2D, tf.Tensor2D] {
    let [h, z] = [zH, zL];
    for (let c = 0; c < count; c++) {
      const [nh, nz] = this.cycle(h, z, x, w, b, true);
      if (h !== zH) h.dispose();
      if (z !== zL) z.dispose();
      [h, z] = [nh, nz];
    }
    return [h, z];
  }

  /** lm_head on y with the prefix dropped; q_head on y[:, 0] -> (halt, continue) logits. */
  private heads(zH: tf.Tensor2D, w: StepWeights, b: number): Heads {
    const d = this.cfg.hidden_size;
    const p = this.cfg.puzzle_emb_len;
    const l = this.cfg.seq_len;
    const y = tf.reshape<tf.Rank.R3>(zH, [b, p + l, d]);
    const body = tf.reshape<tf.Rank.R2>(tf.slice(y, [0, p, 0], [b, l, d]), [b * l, d]);
    const logits = linear(body, w.lmHead);
    const first = tf.reshape<tf.Rank.R2>(tf.slice(y, [0, 0, 0], [b, 1, d]), [b, d]);
    const q = linear(first, w.qHead, w.qBias);
    const [qHalt, qContinue] = tf.unstack(q, 1) as [tf.Tensor1D, tf.Tensor1D];
    return { logits, qHalt, qContinue };
  }

  /**
   * The Q-learning target for q_continue (only with `no_ACT_continue: false`): one more full step from the new
   * states, sigmoid(next q_halt) at the last step, else sigmoid(max(next q_halt, next q_continue)). A constant.
   */
  private continueTarget(zH: tf.Tensor2D, zL: tf.Tensor2D, x: tf.Tensor2D, w: StepWeights, b: number, isLast: Uint8Array): tf.Tensor1D {
    const [h] = this.cyclesNoGrad(zH, zL, x, w, b, this.cfg.H_cycles);
    const next = this.heads(h, w, b);
    return qContinueTarget(next.qHalt, next.qContinue, isLast);
  }

  private buffer(name: string): tf.Variable {
    const v = this.buffers.get(name);
    if (!v) throw new Error(`Trm: buffer "${name}" is missing.`);
    return v;
  }

  private checkBatch(batch: Batch): void {
    if (batch.seqLen !== this.cfg.seq_len) throw new Error(`Trm: batch rows have ${batch.seqLen} tokens but the model's seq_len is ${this.cfg.seq_len}.`);
    const n = batch.size * batch.seqLen;
    if (batch.inputs.length !== n || batch.labels.length !== n || batch.puzzleIdentifiers.length !== batch.size) {
      throw new Error(
        `Trm: a batch of ${batch.size} x ${batch.seqLen} needs ${n} inputs, ${n} labels, ${batch.size} puzzle identifiers; ` +
          `got ${batch.inputs.length}, ${batch.labels.length}, ${batch.puzzleIdentifiers.length}.`,
      );
    }
    for (let i = 0; i < n; i++) {
      const l = batch.labels[i] ?? -100;
      if (l !== -100 && (l < 0 || l >= this.cfg.vocab_size)) {
        throw new Error(`Trm: label ${l} at row ${Math.floor(i / batch.seqLen)}, position ${i % batch.seqLen} is outside [0, ${this.cfg.vocab_size}) and is not -100.`);
      }
    }
  }
}

/** Builds a TRM from an official-style config (e.g. a golden `*.config.json`), seeded. */
export function createTrm(config: Readonly<Record<string, unknown>>, options: CreateTrmOptions = {}): Trm {
  return new Trm(config, options);
}
