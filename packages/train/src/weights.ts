import * as tf from "@tensorflow/tfjs";
import type { RecursiveModel } from "@trm/core";

/** The model's tensors by official name, and which of them are the model's own variables (not copies). */
export function modelTargets(model: RecursiveModel): Map<string, tf.Variable> {
  const vars = new Map<string, tf.Variable>([...model.params, ...model.buffers]);
  if (model.puzzleEmb !== null) {
    const state = model.stateDict();
    const known = new Set(vars.keys());
    let name: string | undefined;
    for (const [k, t] of state) {
      if (t === model.puzzleEmb) name = k;
    }
    name ??= [...state.keys()].find((k) => !known.has(k));
    for (const t of state.values()) if (t !== model.puzzleEmb && ![...vars.values()].includes(t as tf.Variable)) t.dispose();
    vars.set(name ?? "inner.puzzle_emb.weights", model.puzzleEmb);
  }
  return vars;
}

export function assignFrom(where: string, targets: ReadonlyMap<string, tf.Variable>, tensors: ReadonlyMap<string, tf.Tensor>, prefix: string): void {
  for (const [name, v] of targets) {
    const t = tensors.get(prefix + name);
    if (!t) throw new Error(`${where}: tensor "${prefix}${name}" is missing.`);
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      throw new Error(`${where}: tensor "${prefix}${name}" has shape [${t.shape.join(", ")}], expected [${v.shape.join(", ")}].`);
    }
    v.assign(t.dtype === v.dtype ? t : tf.tidy(() => tf.cast(t, v.dtype)));
  }
}

export function withPrefix(prefix: string, tensors: ReadonlyMap<string, tf.Tensor>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [k, t] of tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
  return out;
}


/**
 * Loads weights for evaluation from a training checkpoint or a plain weights file: the EMA copy (`ema.` prefix) of
 * the parameters when present (what the official evaluation uses), otherwise the plain ones; buffers and the puzzle
 * table always from their plain names. Returns which copy was used.
 */
export function loadEvalWeights(model: RecursiveModel, tensors: ReadonlyMap<string, tf.Tensor>, source: string): "ema" | "raw" {
  const targets = modelTargets(model);
  const hasEma = [...model.params.keys()].every((k) => tensors.has(`ema.${k}`));
  const others = new Map([...targets].filter(([k]) => !model.params.has(k)));
  assignFrom(source, others, tensors, "");
  assignFrom(source, new Map(model.params), tensors, hasEma ? "ema." : "");
  return hasEma ? "ema" : "raw";
}
