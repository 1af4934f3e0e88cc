import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@trm/core";
import { beforeAll, describe, expect, it } from "vitest";
import { AdamATan2 } from "./adam-atan2.js";
import { AdamW } from "./adamw.js";

beforeAll(async () => {
  await useBackend("wasm", { log: null });
});

/** Float64 reference of one parameter over several steps. */
function reference(p0: number[], grads: number[][], lr: number, wd: number, b1: number, b2: number, dir: (m: number, d: number) => number) {
  const p = [...p0];
  const m = p0.map(() => 0);
  const v = p0.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    const bc1 = 1 - b1 ** t;
    const bc2s = Math.sqrt(1 - b2 ** t);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] ?? 0;
      m[i] = (m[i] ?? 0) + (1 - b1) * (gi - (m[i] ?? 0));
      v[i] = (v[i] ?? 0) + (1 - b2) * (gi * gi - (v[i] ?? 0));
      p[i] = (p[i] ?? 0) * (1 - lr * wd) - (lr / bc1) * dir(m[i] ?? 0, Math.sqrt(v[i] ?? 0) / bc2s);
    }
  });
  return p;
}

const P0 = [0.5, -1.25, 2, 0.001, -0.3, 0];
const GRADS = [
  [0.1, -0.2, 0.3, -1e-6, 5, 0],
  [-0.4, 0.1, 0.3, 2e-6, -5, 0],
  [0.2, 0.2, -0.1, 0, 1, 0],
];

describe("AdamATan2", () => {
  it("matches the official update p*(1-lr*wd) - lr/bc1*atan2(m, sqrt(v)/sqrt(bc2)) step by step", () => {
    const p = tf.variable(tf.tensor1d(P0));
    const opt = new AdamATan2(new Map([["w", p]]), { betas: [0.9, 0.95], weightDecay: 0.1 });
    for (const g of GRADS) tf.tidy(() => opt.step(new Map([["w", tf.tensor1d(g)]]), 0.01));
    const want = reference(P0, GRADS, 0.01, 0.1, 0.9, 0.95, (m, d) => Math.atan2(m, d));
    const got = Array.from(p.dataSync());
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i] ?? NaN, 6));
    // A zero gradient with zero moments does not move the weight beyond the decay (atan2(0, 0) = 0, no NaN).
    expect(got[5]).toBe(0);
    expect(opt.stepCount).toBe(3);
    opt.dispose();
    p.dispose();
  });

  it("restores its state exactly: 2 steps, save, 2 steps equals 2 steps, load, 2 steps", () => {
    const before = tf.memory().numTensors;
    const pa = tf.tidy(() => tf.variable(tf.tensor1d(P0)));
    const a = new AdamATan2(new Map([["w", pa]]), { weightDecay: 1 });
    const g = (k: number) => new Map([["w", tf.tensor1d(GRADS[k % 3] ?? [])]]);
    tf.tidy(() => a.step(g(0), 1e-2));
    tf.tidy(() => a.step(g(1), 1e-2));
    const saved = new Map([...a.stateDict()].map(([k, t]) => [k, t.clone()]));
    const savedP = pa.clone();
    const savedStep = a.stepCount;
    tf.tidy(() => a.step(g(2), 1e-2));
    tf.tidy(() => a.step(g(3), 1e-2));

    const pb = tf.variable(savedP);
    const b = new AdamATan2(new Map([["w", pb]]), { weightDecay: 1 });
    b.loadStateDict(saved, savedStep);
    tf.tidy(() => b.step(g(2), 1e-2));
    tf.tidy(() => b.step(g(3), 1e-2));
    expect(Array.from(pb.dataSync())).toEqual(Array.from(pa.dataSync()));
    expect([...a.stateDict().keys()].sort()).toEqual(["w.exp_avg", "w.exp_avg_sq"]);
    expect(() => b.loadStateDict(new Map(), 1)).toThrow(/"w.exp_avg" is missing/);
    for (const t of [...saved.values(), savedP, pa, pb]) t.dispose();
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("AdamW", () => {
  it("matches torch.optim.AdamW with decoupled weight decay", () => {
    const p = tf.variable(tf.tensor1d(P0));
    const opt = new AdamW(new Map([["w", p]]), { betas: [0.9, 0.999], weightDecay: 0.1, eps: 1e-8 });
    for (const g of GRADS) tf.tidy(() => opt.step(new Map([["w", tf.tensor1d(g)]]), 1e-3));
    const want = reference(P0, GRADS, 1e-3, 0.1, 0.9, 0.999, (m, d) => m / (d + 1e-8));
    Array.from(p.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(want[i] ?? NaN, 6));
    opt.dispose();
    p.dispose();
  });
});
