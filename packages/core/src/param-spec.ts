import * as tf from "@tensorflow/tfjs-core";
import { truncatedLecunNormal, truncatedNormal } from "./init.js";
import type { Rng } from "@trm/data";

/** How a tensor of the model starts. */
export type ParamInit =
  | { readonly kind: "lecun" }
  | { readonly kind: "normal"; readonly std: number }
  | { readonly kind: "constant"; readonly value: number };

/** One named tensor of a model: official name, PyTorch shape, init, and whether it feeds {@link linear} as [out, in]. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
  /** True for PyTorch [out, in] matrices that are transposed once per step and used through `linear`. */
  readonly linear: boolean;
}

export function paramSize(spec: ParamSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/** The initial values of one tensor, drawn from `rng` (LeCun: std 1/sqrt(fan_in), fan_in = last dimension). */
export function initialValues(spec: ParamSpec, rng: Rng): Float32Array {
  const { init, shape } = spec;
  switch (init.kind) {
    case "lecun":
      return truncatedLecunNormal(shape, shape[shape.length - 1] ?? 1, rng);
    case "normal":
      return truncatedNormal(shape, init.std, rng);
    case "constant":
      return new Float32Array(paramSize(spec)).fill(init.value);
  }
}

/** A variable per spec, initialised in the order given from one seeded stream. */
export function createVariables(specs: readonly ParamSpec[], rng: Rng, trainable: boolean): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const spec of specs) {
    // tfjs variable names are global and must be unique, so the official name lives in the map key only: two models
    // (or a model and its EMA copy) can then coexist.
    // Constants are filled by the backend: the ARC puzzle table (~876k x 512 zeros) never exists as a JS array.
    const init =
      spec.init.kind === "constant" ? tf.fill([...spec.shape], spec.init.value, "float32") : tf.tensor(initialValues(spec, rng), [...spec.shape], "float32");
    out.set(spec.name, tf.variable(init, trainable));
    init.dispose();
  }
  return out;
}
