import * as tf from "@tensorflow/tfjs";
import {
  actLossTerms,
  beginStep,
  createRng,
  createVariables,
  decideHalting,
  modelVariables,
  noGrad,
  readStep,
  qContinueTarget,
  ropeTables,
  type Batch,
  type BlockContext,
  type Carry,
  type RecursiveModel,
  type RopeTables,
  type StepResult,
  type TrainStepOptions,
  type TrainStepResult,
} from "@trm/core";
import { resolveHrmConfig, type HrmConfig } from "./hrm-config.js";
import {
  hrmEmbed,
  hrmHeads,
  hrmWeights,
  runUpdates,
  segmentSchedule,
  splitQ,
  type HrmStates,
  type HrmUpdate,
} from "./hrm-forward.js";
import { hrmTensorSpecs } from "./hrm-params.js";

export interface CreateHrmOptions {
  /** Seed of the initialisation stream (weights, H_init, L_init). Default 0. */
  readonly seed?: number;
}

/** The states after a segment's no-grad updates, plus what the recorded part of the segment needs. */
/** What the recorded forward of a training step hands out of the gradient closure. */
interface RecordedOutputs {
  readonly zH: tf.Tensor2D;
  readonly zL: tf.Tensor2D;
  readonly logits: tf.Tensor3D;
  readonly qHalt: tf.Tensor1D;
  readonly qContinue: tf.Tensor1D;
  readonly target: tf.Tensor1D;
  readonly lm: tf.Scalar;
  readonly qHaltLoss: tf.Scalar;
  readonly qContinueLoss: tf.Scalar;
  readonly total: tf.Scalar;
  readonly correctCounts: tf.Tensor1D;
  readonly exactCorrect: tf.Tensor1D;
}


interface NoGradPart extends HrmStates {
  /** [B, puzzle_emb_ndim] rows of the puzzle table for the batch; null without a puzzle table. */
  readonly puzzleRows: tf.Tensor2D | null;
}

/**
 * The Hierarchical Reasoning Model (sapientinc/HRM `HierarchicalReasoningModel_ACTV1`) on the {@link RecursiveModel}
 * contract. Two modules of post-norm blocks, f_H and f_L, update y = z_H (the answer state) and z = z_L (the latent):
 * in each of T = `H_cycles` cycles, n = `L_cycles` times z_L <- f_L(z_L + z_H + x̃), then z_H <- f_H(z_H + z_L).
 * Only the last f_L and f_H calls of a segment are differentiated (the one-step gradient approximation); halting is
 * learned by Q-learning with a bootstrapped target from one more no-grad forward.
 */
export class Hrm implements RecursiveModel {
  readonly kind = "hrm";
  readonly config: HrmConfig;
  readonly params: ReadonlyMap<string, tf.Variable>;
  readonly puzzleEmb: tf.Variable | null;
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  readonly haltMaxSteps: number;
  /** HRM always halts on q_halt > q_continue and trains q_continue (official `no_ACT_continue: false`). */
  readonly noActContinue = false;
  private readonly rope: RopeTables | null;
  private readonly schedule: readonly HrmUpdate[];
  private disposed = false;

  constructor(config: HrmConfig, seed: number) {
    this.config = config;
    this.haltMaxSteps = config.halt_max_steps;
    const specs = hrmTensorSpecs(config);
    const rng = createRng(seed);
    // One stream, in spec order, so a seed always gives the same model whatever the roles.
    const params = new Map<string, tf.Variable>();
    const buffers = new Map<string, tf.Variable>();
    let puzzleEmb: tf.Variable | null = null;
    for (const spec of specs) {
      for (const [name, v] of createVariables([spec], rng, spec.role === "param")) {
        if (spec.role === "param") params.set(name, v);
        else if (spec.role === "buffer") buffers.set(name, v);
        else puzzleEmb = v;
      }
    }
    this.params = params;
    this.buffers = buffers;
    this.puzzleEmb = puzzleEmb;
    const seq = config.seq_len + config.puzzle_emb_len;
    this.rope = config.pos_encodings === "rope" ? ropeTables(config.hidden_size / config.num_heads, seq, config.rope_theta) : null;
    this.schedule = segmentSchedule(config);
  }

  private get seq(): number {
    return this.config.seq_len + this.config.puzzle_emb_len;
  }

  /** The shape and RoPE tables every block call of a `batch`-row step uses. */
  blockContext(batch: number): BlockContext {
    return { batch, seq: this.seq, numHeads: this.config.num_heads, eps: this.config.rms_norm_eps, rope: this.rope };
  }

  private buffer(name: string): tf.Variable {
    const v = this.buffers.get(name);
    if (!v) throw new Error(`HRM: buffer "${name}" is missing.`);
    return v;
  }

  private checkBatch(batch: Batch, what: string): void {
    this.assertLive();
    if (batch.seqLen !== this.config.seq_len) {
      throw new Error(`HRM ${what}: batch rows have ${batch.seqLen} tokens, the model was built for seq_len ${this.config.seq_len}.`);
    }
    const ids = batch.puzzleIdentifiers;
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r] ?? -1;
      if (this.puzzleEmb && (id < 0 || id >= this.config.num_puzzle_identifiers)) {
        throw new Error(`HRM ${what}: row ${r} has puzzle identifier ${id}, outside [0, ${this.config.num_puzzle_identifiers}).`);
      }
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new Error("HRM: the model was disposed.");
  }

  private gatherPuzzleRows(ids: Int32Array): tf.Tensor2D | null {
    if (!this.puzzleEmb) return null;
    const table = this.puzzleEmb;
    return tf.tidy(() => tf.gather(table, tf.tensor1d(ids, "int32")) as tf.Tensor2D);
  }

  initialCarry(batch: Batch): Carry {
    this.checkBatch(batch, "initialCarry");
    const b = batch.size;
    const shape: [number, number, number] = [b, this.seq, this.config.hidden_size];
    // Every slot starts halted, so the first step resets these to H_init / L_init and loads the batch.
    return {
      zH: tf.zeros(shape),
      zL: tf.zeros(shape),
      steps: new Int32Array(b),
      halted: new Uint8Array(b).fill(1),
      current: batch,
    };
  }

  /**
   * The no-grad part of a segment from (z_H, z_L) [B, S, D]: every update but the last f_L and f_H calls, run off
   * the gradient tape (official `torch.no_grad()` block). Returns [B * S, D] states the caller owns.
   */
  noGradUpdates(zH: tf.Tensor3D, zL: tf.Tensor3D, current: Batch): NoGradPart {
    const b = current.size;
    const puzzleRows = this.gatherPuzzleRows(current.puzzleIdentifiers);
    const states = tf.tidy(() => {
      const w = hrmWeights(this.config, this.params);
      const x = hrmEmbed(this.config, w, current.inputs, puzzleRows, b);
      const start = { zH: tf.reshape<tf.Rank.R2>(zH, [b * this.seq, -1]), zL: tf.reshape<tf.Rank.R2>(zL, [b * this.seq, -1]) };
      const out = runUpdates(w, start, x, this.schedule.slice(0, -2), this.blockContext(b));
      return [out.zH, out.zL];
    });
    const [h, l] = states as [tf.Tensor2D, tf.Tensor2D];
    return { zH: h, zL: l, puzzleRows };
  }

  async trainStep(carry: Carry, batch: Batch, options: TrainStepOptions): Promise<TrainStepResult> {
    this.checkBatch(batch, "trainStep");
    if (!(options.lossDivisor > 0)) throw new Error(`HRM trainStep: lossDivisor must be positive, got ${options.lossDivisor}.`);
    const cfg = this.config;
    const start = beginStep(carry, batch, this.buffer("inner.H_init"), this.buffer("inner.L_init"));
    const b = start.current.size;
    const ctx = this.blockContext(b);
    const stepsAfter = Int32Array.from(start.steps, (s) => s + 1);
    const isLastStep = Uint8Array.from(stepsAfter, (s) => (s >= cfg.halt_max_steps ? 1 : 0));
    const pre = this.noGradUpdates(start.zH, start.zL, start.current);
    tf.dispose([start.zH, start.zL]);

    const paramNames = [...this.params.keys()];
    const xs: tf.Tensor[] = [...this.params.values()];
    if (pre.puzzleRows) xs.push(pre.puzzleRows);
    // Tensors and counts the recorded forward hands out (kept past the closure's scope).
    const box: { kept?: RecordedOutputs; labelCounts?: Int32Array } = {};

    const { value, grads } = tf.engine().gradients(
      () => {
        // The recorded part: the last f_L and f_H calls, from states that carry no tape history.
        const w = hrmWeights(cfg, this.params);
        const x = hrmEmbed(cfg, w, start.current.inputs, pre.puzzleRows, b);
        const out = runUpdates(w, pre, x, ["L", "H"], ctx);
        const heads = hrmHeads(cfg, w, out.zH, b);
        const [qHalt, qContinue] = splitQ(heads.q);
        // Q-learning target: one more forward of the current weights on the new carry with the same data, off the
        // tape, so the target is a constant of the loss (official: `self.inner(new_inner_carry, new_current_data)`).
        const target = noGrad(() =>
          tf.tidy(() => {
            const next = runUpdates(w, out, x, this.schedule, ctx);
            const [nextHalt, nextContinue] = splitQ(hrmHeads(cfg, w, next.zH, b).q);
            return qContinueTarget(nextHalt, nextContinue, isLastStep);
          }),
        );
        const loss = actLossTerms({
          logits: heads.logits,
          labels: start.current.labels,
          batch: b,
          seqLen: cfg.seq_len,
          qHalt,
          qContinue,
          qContinueTarget: target,
        });
        box.labelCounts = loss.labelCounts;
        const kept: RecordedOutputs = {
          zH: out.zH,
          zL: out.zL,
          logits: heads.logits,
          qHalt,
          qContinue,
          target,
          lm: loss.lm,
          qHaltLoss: loss.qHalt,
          qContinueLoss: loss.qContinue,
          total: loss.total,
          correctCounts: loss.correctCounts,
          exactCorrect: loss.exactCorrect,
        };
        for (const t of Object.values(kept)) tf.keep(t);
        box.kept = kept;
        return tf.div<tf.Scalar>(loss.total, options.lossDivisor);
      },
      xs,
      undefined,
      true,
    );
    value.dispose();
    tf.dispose([pre.zH, pre.zL]);
    const k = box.kept;
    const labelCounts = box.labelCounts;
    if (k === undefined || labelCounts === undefined) throw new Error("HRM trainStep: the recorded forward did not run.");

    const gradMap = new Map<string, tf.Tensor>();
    paramNames.forEach((name, i) => {
      const g = grads[i];
      gradMap.set(name, g ?? tf.zerosLike(this.params.get(name)!));
    });
    let puzzleEmbGrad: TrainStepResult["puzzleEmbGrad"] = null;
    if (pre.puzzleRows) {
      const g = grads[paramNames.length];
      puzzleEmbGrad = { ids: Int32Array.from(start.current.puzzleIdentifiers), grad: (g ?? tf.zerosLike(pre.puzzleRows)) as tf.Tensor2D };
      pre.puzzleRows.dispose();
    }

    const read = await readStep(
      { lm: k.lm, qHalt: k.qHaltLoss, qContinue: k.qContinueLoss, total: k.total, correctCounts: k.correctCounts, exactCorrect: k.exactCorrect, labelCounts },
      k.qHalt,
      k.qContinue,
    );
    const halted = decideHalting({
      steps: stepsAfter,
      qHalt: read.qHalt,
      qContinue: read.qContinue,
      haltMaxSteps: cfg.halt_max_steps,
      training: true,
      explorationProb: cfg.halt_exploration_prob,
      // HRM halts when q_halt > q_continue (it has no `no_ACT_continue` switch).
      noActContinue: false,
      rng: options.rng,
    });
    const newCarry: Carry = {
      zH: this.toCarryState(k.zH, b),
      zL: this.toCarryState(k.zL, b),
      steps: stepsAfter,
      halted,
      current: start.current,
    };
    return {
      carry: newCarry,
      outputs: { logits: k.logits, qHalt: k.qHalt, qContinue: k.qContinue, qContinueTarget: k.target },
      losses: read.losses,
      exactCorrect: read.exactCorrect,
      labelCounts,
      correctCounts: read.correctCounts,
      grads: gradMap,
      puzzleEmbGrad,
    };
  }

  async evalStep(carry: Carry, batch: Batch): Promise<StepResult> {
    this.checkBatch(batch, "evalStep");
    const cfg = this.config;
    const start = beginStep(carry, batch, this.buffer("inner.H_init"), this.buffer("inner.L_init"));
    const b = start.current.size;
    const puzzleRows = this.gatherPuzzleRows(start.current.puzzleIdentifiers);
    type EvalTensors = [tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor1D, tf.Tensor1D];
    const [zH, zL, logits, qHalt, qContinue] = tf.tidy((): EvalTensors => {
      const w = hrmWeights(cfg, this.params);
      const x = hrmEmbed(cfg, w, start.current.inputs, puzzleRows, b);
      const from = { zH: tf.reshape<tf.Rank.R2>(start.zH, [b * this.seq, -1]), zL: tf.reshape<tf.Rank.R2>(start.zL, [b * this.seq, -1]) };
      const out = runUpdates(w, from, x, this.schedule, this.blockContext(b));
      const heads = hrmHeads(cfg, w, out.zH, b);
      const [h, c] = splitQ(heads.q);
      return [out.zH, out.zL, heads.logits, h, c];
    });
    tf.dispose([start.zH, start.zL]);
    puzzleRows?.dispose();
    const loss = actLossTerms({ logits, labels: start.current.labels, batch: b, seqLen: cfg.seq_len, qHalt, qContinue, qContinueTarget: null });
    const read = await readStep(loss, qHalt, qContinue);
    const stepsAfter = Int32Array.from(start.steps, (s) => s + 1);
    // Evaluation always runs N_sup segments: no early halting, no exploration, no target pass (official).
    const halted = decideHalting({
      steps: stepsAfter,
      qHalt: read.qHalt,
      qContinue: read.qContinue,
      haltMaxSteps: cfg.halt_max_steps,
      training: false,
      explorationProb: 0,
      noActContinue: false,
      rng: null,
    });
    return {
      carry: { zH: this.toCarryState(zH, b), zL: this.toCarryState(zL, b), steps: stepsAfter, halted, current: start.current },
      outputs: { logits, qHalt, qContinue },
      losses: read.losses,
      exactCorrect: read.exactCorrect,
      labelCounts: loss.labelCounts,
      correctCounts: read.correctCounts,
    };
  }

  /** [B * S, D] -> [B, S, D], taking ownership of `state`. */
  private toCarryState(state: tf.Tensor2D, b: number): tf.Tensor3D {
    const out = tf.reshape<tf.Rank.R3>(state, [b, this.seq, this.config.hidden_size]);
    state.dispose();
    return out;
  }

  stateDict(): Map<string, tf.Tensor> {
    this.assertLive();
    return modelVariables(this);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.params.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
    this.puzzleEmb?.dispose();
    if (this.rope) tf.dispose([this.rope.cos, this.rope.sin]);
  }
}

/**
 * Builds an HRM from a config in the official snake_case names (the golden `hrm.config.json` object works as is;
 * missing fields take the official defaults). Fits the `(config, { seed }) => RecursiveModel` factory shape.
 */
export function createHrm(config: Readonly<Record<string, unknown>>, options: CreateHrmOptions = {}): Hrm {
  return new Hrm(resolveHrmConfig(config), options.seed ?? 0);
}
