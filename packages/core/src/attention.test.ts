import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { attention } from "./attention.js";
import { useBackend } from "./backend.js";
import { ropeTables } from "./rope.js";
import { finiteDiff, maxRelErr, randTensor } from "./test-utils/finite-diff.js";

/** Plain-loop attention in float64: the reference. */
function reference(h: Float32Array, qkv: Float32Array, o: Float32Array, b: number, s: number, d: number, nh: number, cos: Float32Array, sin: Float32Array): Float64Array {
  const hd = d / nh;
  const proj = (x: ArrayLike<number>, w: ArrayLike<number>, rows: number, k: number, n: number) => {
    const y = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) y[r * n + j]! += x[r * k + i]! * w[i * n + j]!;
    return y;
  };
  const qkvOut = proj(h, qkv, b * s, d, 3 * d);
  const get = (which: number, bb: number, t: number, head: number, j: number) => qkvOut[(bb * s + t) * 3 * d + which * d + head * hd + j]!;
  const roped = (which: number, bb: number, t: number, head: number, j: number) => {
    const half = hd / 2;
    const rot = j < half ? -get(which, bb, t, head, j + half) : get(which, bb, t, head, j - half);
    return get(which, bb, t, head, j) * cos[t * hd + j]! + rot * sin[t * hd + j]!;
  };
  const merged = new Float64Array(b * s * d);
  for (let bb = 0; bb < b; bb++)
    for (let head = 0; head < nh; head++)
      for (let t = 0; t < s; t++) {
        const scores = new Float64Array(s);
        for (let u = 0; u < s; u++) {
          for (let j = 0; j < hd; j++) scores[u]! += roped(0, bb, t, head, j) * roped(1, bb, u, head, j);
          scores[u]! /= Math.sqrt(hd);
        }
        const m = Math.max(...scores);
        let z = 0;
        for (let u = 0; u < s; u++) z += Math.exp(scores[u]! - m);
        for (let u = 0; u < s; u++) {
          const p = Math.exp(scores[u]! - m) / z;
          for (let j = 0; j < hd; j++) merged[(bb * s + t) * d + head * hd + j]! += p * get(2, bb, u, head, j);
        }
      }
  return proj(merged, o, b * s, d, d);
}

// The tensors below are made while the suite is collected, before beforeAll selects the backend: on cpu.
await useBackend("cpu", { log: null });

describe("attention", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  const [b, s, d, nh] = [2, 5, 8, 2];
  const h = randTensor([b * s, d], 1) as tf.Tensor2D;
  const qkv = randTensor([d, 3 * d], 2, 0.5) as tf.Tensor2D;
  const o = randTensor([d, d], 3, 0.5) as tf.Tensor2D;

  for (const perHeadProducts of [false, true]) {
    const mode = perHeadProducts ? "per-head 2-D products" : "batched products";
    it(`matches a plain-loop non-causal MHA with RoPE (${mode})`, () => {
      const rope = ropeTables(d / nh, s + 3, 10000);
      const y = attention(h, qkv, o, { batch: b, seq: s, numHeads: nh, perHeadProducts }, rope).dataSync();
      const ref = reference(h.dataSync() as Float32Array, qkv.dataSync() as Float32Array, o.dataSync() as Float32Array, b, s, d, nh, rope.cos.dataSync() as Float32Array, rope.sin.dataSync() as Float32Array);
      for (let i = 0; i < ref.length; i++) expect(y[i]).toBeCloseTo(ref[i]!, 4);
    });

    it(`has the finite-difference gradient (${mode})`, () => {
      const rope = ropeTables(d / nh, s, 10000);
      const c = randTensor([b * s, d], 9);
      const f = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) =>
        tf.sum<tf.Scalar>(tf.mul(attention(x as tf.Tensor2D, w1 as tf.Tensor2D, w2 as tf.Tensor2D, { batch: b, seq: s, numHeads: nh, perHeadProducts }, rope), c));
      const g = tf.grads(f)([h, qkv, o]);
      for (let k = 0; k < 3; k++) expect(maxRelErr(g[k]!.dataSync(), finiteDiff(f, [h, qkv, o], k, 1e-2, 24), 1e-1)).toBeLessThan(3e-2);
    });
  }
});
