import * as tf from "@tensorflow/tfjs-core";

/**
 * Central finite differences of a scalar function of several tensors, in float64 on the JS side: perturbs each entry
 * of `inputs[which]` by +-eps and evaluates `f`. Small tensors only.
 */
export function finiteDiff(f: (...xs: tf.Tensor[]) => tf.Scalar, inputs: tf.Tensor[], which: number, eps = 1e-2, maxEntries = Infinity): Float64Array {
  const target = inputs[which]!;
  const base = target.dataSync().slice();
  const out = new Float64Array(base.length).fill(NaN);
  // With maxEntries, probe an evenly spread subset of entries (the others stay NaN and are skipped by maxRelErr).
  const stride = Math.max(1, Math.ceil(base.length / maxEntries));
  for (let i = 0; i < base.length; i += stride) {
    const evalAt = (delta: number): number =>
      tf.tidy(() => {
        const v = Float32Array.from(base);
        v[i] = base[i]! + delta;
        const xs = inputs.map((x, k) => (k === which ? tf.tensor(v, target.shape, target.dtype) : x));
        return f(...xs).dataSync()[0]!;
      });
    out[i] = (evalAt(eps) - evalAt(-eps)) / (2 * eps);
  }
  return out;
}

/** Max |a - b| / (|b| + floor). */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) if (!Number.isNaN(b[i]!)) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (Math.abs(b[i]!) + floor));
  return m;
}

/** Seeded small tensor in [-scale, scale]. */
export function randTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  let a = seed >>> 0;
  const n = shape.reduce((x, y) => x * y, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    v[i] = ((a / 4294967296) * 2 - 1) * scale;
  }
  return tf.tensor(v, shape);
}
