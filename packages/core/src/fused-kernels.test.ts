import * as tf from "@tensorflow/tfjs-core";
import { loadNativeKernels } from "@trm/native-kernels";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attention, attentionResidualNorm } from "./attention.js";
import { useBackend } from "./backend.js";
import { hasFusedKernel, runFusedKernel } from "./fused-kernels.js";
import { linear } from "./linear.js";
import { rmsNorm } from "./rms-norm.js";
import { ropeTables, type RopeTables } from "./rope.js";
import { swiglu } from "./swiglu.js";
import { swigluResidualNorm } from "./swiglu-block.js";

// The optional native kernels are built only where a C compiler and a CBLAS library exist; elsewhere this skips.
const addon = loadNativeKernels();
if (!addon.ok) console.log(`native kernel tests skipped: ${addon.reason}`);

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

type Ref = (xs: Float64Array[]) => Float64Array;

/** Gradients of sum(f(xs) * dy) by central differences in float64: the reference for every backward kernel. */
function refGrads(f: Ref, xs: Float64Array[], dy: Float64Array): Float64Array[] {
  const h = 1e-6;
  const loss = (): number => f(xs).reduce((acc, v, i) => acc + v * (dy[i] as number), 0);
  return xs.map((x) => {
    const g = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const keep = x[i] as number;
      x[i] = keep + h;
      const up = loss();
      x[i] = keep - h;
      const down = loss();
      x[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  });
}

function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let l = 0; l < k; l++) s += (a[i * k + l] as number) * (b[l * n + j] as number);
    c[i * n + j] = s;
  }
  return c;
}

const silu = (v: number): number => v / (1 + Math.exp(-v));

function refRmsNorm(x: Float64Array, cols: number, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += (x[r * cols + j] as number) ** 2;
    const inv = 1 / Math.sqrt(s / cols + eps);
    for (let j = 0; j < cols; j++) y[r * cols + j] = (x[r * cols + j] as number) * inv;
  }
  return y;
}

function refSwiglu([x, wg, wu, wd]: Float64Array[], m: number, d: number, f: number, e: number): Float64Array {
  const g = matmul(x!, wg!, m, d, f);
  const u = matmul(x!, wu!, m, d, f);
  const hh = g.map((v, i) => silu(v) * (u[i] as number));
  return matmul(hh, wd!, m, f, e);
}

/** rmsNorm(x + swiglu(x)) on [b*s, d]; with tokens, along the sequence of each batch row (x turned to [b*d, s]). */
function refSwigluBlock([x, wg, wu, wd]: Float64Array[], b: number, s: number, d: number, f: number, tokens: boolean): Float64Array {
  const [rows, w] = tokens ? [b * d, s] : [b * s, d];
  const xin = new Float64Array(rows * w);
  for (let bi = 0; bi < b; bi++) for (let si = 0; si < s; si++) for (let di = 0; di < d; di++) {
    const v = x![(bi * s + si) * d + di] as number;
    if (tokens) xin[(bi * d + di) * s + si] = v;
    else xin[(bi * s + si) * d + di] = v;
  }
  const mlp = refSwiglu([xin, wg!, wu!, wd!], rows, w, f, w);
  const z = refRmsNorm(xin.map((v, i) => v + (mlp[i] as number)), w, 1e-5);
  if (!tokens) return z;
  const out = new Float64Array(b * s * d);
  for (let bi = 0; bi < b; bi++) for (let si = 0; si < s; si++) for (let di = 0; di < d; di++) out[(bi * s + si) * d + di] = z[(bi * d + di) * s + si] as number;
  return out;
}

/** Multi-head attention heads on qkv [B*S, 3D] with rotate-half RoPE, merged back to [B*S, D], in float64. */
function refAttention(qkv: Float64Array, b: number, s: number, nh: number, hd: number, rope: { cos: Float64Array; sin: Float64Array } | null): Float64Array {
  const d = nh * hd;
  const out = new Float64Array(b * s * d);
  const rot = (row: number, off: number, i: number): number[] => {
    const x = Array.from({ length: hd }, (_, j) => qkv[row * 3 * d + off + j] as number);
    if (!rope) return x;
    const half = hd / 2;
    return x.map((v, j) => v * (rope.cos[i * hd + j] as number) + (j < half ? -(x[j + half] as number) : (x[j - half] as number)) * (rope.sin[i * hd + j] as number));
  };
  for (let bb = 0; bb < b; bb++) for (let h = 0; h < nh; h++) {
    const q = Array.from({ length: s }, (_, i) => rot(bb * s + i, h * hd, i));
    const k = Array.from({ length: s }, (_, i) => rot(bb * s + i, d + h * hd, i));
    for (let i = 0; i < s; i++) {
      const sc = k.map((kj) => kj.reduce((acc, v, t) => acc + v * (q[i]![t] as number), 0) / Math.sqrt(hd));
      const mx = Math.max(...sc);
      const ex = sc.map((v) => Math.exp(v - mx));
      const z = ex.reduce((a, v) => a + v, 0);
      for (let t = 0; t < hd; t++) {
        let acc = 0;
        for (let j = 0; j < s; j++) acc += ((ex[j] as number) / z) * (qkv[(bb * s + j) * 3 * d + 2 * d + h * hd + t] as number);
        out[(bb * s + i) * d + h * hd + t] = acc;
      }
    }
  }
  return out;
}

function maxErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let scale = 1e-3;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i] as number));
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs((got[i] as number) - (want[i] as number)));
  return e / scale;
}

interface Case {
  readonly name: string;
  readonly kernels: readonly string[];
  readonly shapes: readonly number[][];
  readonly outSize: number;
  readonly op: (xs: tf.Tensor[]) => tf.Tensor;
  readonly ref: Ref;
}

const rope5x4 = (): RopeTables => ropeTables(4, 5);
const ropeRef = (): { cos: Float64Array; sin: Float64Array } => {
  const t = rope5x4();
  const r = { cos: Float64Array.from(t.cos.dataSync()), sin: Float64Array.from(t.sin.dataSync()) };
  t.cos.dispose();
  t.sin.dispose();
  return r;
};

function cases(): Case[] {
  const tables = rope5x4();
  const attn = (rope: RopeTables | null) => (xs: tf.Tensor[]): tf.Tensor => {
    // The heads only: an identity o_proj after an identity qkv_proj, so the op under test sees qkv as given.
    const qkv = xs[0] as tf.Tensor2D;
    const d = qkv.shape[1] / 3;
    return tf.slice(attention(qkv, tf.eye(3 * d), tf.eye(d), { batch: 2, seq: 5, numHeads: 2 }, rope), [0, 0], [10, d]);
  };
  const table = ropeRef();
  return [
    { name: "linear", kernels: ["TrmLinearGrad"], shapes: [[7, 5], [5, 3]], outSize: 21, op: ([x, w]) => linear(x as tf.Tensor2D, w as tf.Tensor2D), ref: ([x, w]) => matmul(x!, w!, 7, 5, 3) },
    { name: "rmsNorm", kernels: ["TrmRmsNorm", "TrmRmsNormGrad"], shapes: [[6, 9]], outSize: 54, op: ([x]) => rmsNorm(x as tf.Tensor, 1e-5), ref: ([x]) => refRmsNorm(x!, 9, 1e-5) },
    {
      name: "swiglu",
      kernels: ["TrmSwiGLU", "TrmSwiGLUGrad"],
      shapes: [[5, 4], [4, 6], [4, 6], [6, 4]],
      outSize: 20,
      op: ([x, g, u, dd]) => swiglu(x as tf.Tensor2D, [g as tf.Tensor2D, u as tf.Tensor2D], dd as tf.Tensor2D),
      ref: (xs) => refSwiglu(xs, 5, 4, 6, 4),
    },
    {
      // Gate pre-activations up to about +-40: the whole range of the native exp, saturated sigmoids included.
      name: "swiglu, large activations",
      kernels: ["TrmSwiGLU", "TrmSwiGLUGrad"],
      shapes: [[5, 4], [4, 6], [4, 6], [6, 4]],
      outSize: 20,
      op: ([x, g, u, dd]) => swiglu(tf.mul(x as tf.Tensor2D, 10), [g as tf.Tensor2D, u as tf.Tensor2D], dd as tf.Tensor2D),
      ref: ([x, ...w]) => refSwiglu([x!.map((v) => v * 10), ...w], 5, 4, 6, 4),
    },
    {
      name: "swiglu block (residual + RMSNorm)",
      kernels: ["TrmSwiGLUBlock", "TrmSwiGLUBlockGrad"],
      shapes: [[6, 4], [4, 5], [4, 5], [5, 4]],
      outSize: 24,
      // One [d, 2 inner] gate_up matrix, as the blocks pass it (the token-mode case passes the halves).
      op: ([x, g, u, dd]) => swigluResidualNorm(x as tf.Tensor2D, tf.concat([g as tf.Tensor2D, u as tf.Tensor2D], 1), dd as tf.Tensor2D, 1e-5),
      ref: (xs) => refSwigluBlock(xs, 2, 3, 4, 5, false),
    },
    {
      name: "swiglu block along the sequence (mlp_t)",
      kernels: ["TrmSwiGLUBlock", "TrmSwiGLUBlockGrad"],
      shapes: [[6, 4], [3, 5], [3, 5], [5, 3]],
      outSize: 24,
      op: ([x, g, u, dd]) => swigluResidualNorm(x as tf.Tensor2D, [g as tf.Tensor2D, u as tf.Tensor2D], dd as tf.Tensor2D, 1e-5, { batch: 2, seq: 3 }),
      ref: (xs) => refSwigluBlock(xs, 2, 3, 4, 5, true),
    },
    { name: "attention", kernels: ["TrmAttention", "TrmAttentionGrad"], shapes: [[10, 24]], outSize: 80, op: attn(null), ref: ([x]) => refAttention(x!, 2, 5, 2, 4, null) },
    ...([null, tables] as const).map((rope) => ({
      name: `attention block (projections, residual + RMSNorm)${rope ? " with RoPE" : ""}`,
      kernels: ["TrmAttentionBlock", "TrmAttentionBlockGrad"],
      shapes: [[10, 8], [8, 24], [8, 8]],
      outSize: 80,
      op: ([x, wq, wo]: tf.Tensor[]) => attentionResidualNorm(x as tf.Tensor2D, wq as tf.Tensor2D, wo as tf.Tensor2D, { batch: 2, seq: 5, numHeads: 2 }, rope, 1e-5),
      ref: ([x, wq, wo]: Float64Array[]) => {
        const heads = refAttention(matmul(x!, wq!, 10, 8, 24), 2, 5, 2, 4, rope ? table : null);
        const o = matmul(heads, wo!, 10, 8, 8);
        return refRmsNorm(x!.map((v, i) => v + o[i]!), 8, 1e-5);
      },
    })),
    { name: "attention with RoPE", kernels: ["TrmAttention", "TrmAttentionGrad"], shapes: [[10, 24]], outSize: 80, op: attn(tables), ref: ([x]) => refAttention(x!, 2, 5, 2, 4, table) },
  ];
}

/** Value and gradients of one case on the backend as it is now set up. */
function run(c: Case, inputs: Float64Array[], dy: Float64Array): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const xs = inputs.map((v, i) => tf.tensor(Float32Array.from(v), c.shapes[i]));
    const dyT = tf.tensor(Float32Array.from(dy));
    const value = c.op(xs);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(tf.reshape(c.op(a), [-1]), dyT)))(xs);
    return { value: value.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

// cases() makes tables (RoPE) while the suite is collected, before beforeAll selects the backend: on cpu.
await useBackend("cpu", { log: null });

describe.skipIf(!addon.ok)("native fused kernels against float64 and against pure wasm", () => {
  const all = cases();
  const data = all.map((c, k) => ({ inputs: c.shapes.map((s, i) => values(s.reduce((a, b) => a * b, 1), 10 * k + i + 1)), dy: values(c.outSize, 99 + k) }));
  const wasm: { value: Float32Array; grads: Float32Array[] }[] = [];

  beforeAll(async () => {
    await useBackend("wasm", { log: null, native: false });
    all.forEach((c, k) => wasm.push(run(c, data[k]!.inputs, data[k]!.dy)));
    const info = await useBackend("wasm", { log: null, native: true });
    expect(info.native?.active).toBe(true);
  });
  afterAll(async () => {
    await useBackend("wasm", { log: null });
  });

  all.forEach((c, k) => {
    it(`${c.name}: forward and gradients match float64 and the wasm composition`, () => {
      for (const name of c.kernels) expect(hasFusedKernel(name as never)).toBe(true);
      const { inputs, dy } = data[k]!;
      const before = tf.memory().numTensors;
      const native = run(c, inputs, dy);
      expect(tf.memory().numTensors).toBe(before);
      const want = c.ref(inputs);
      const wantGrads = refGrads(c.ref, inputs, dy);
      expect(maxErr(native.value, want)).toBeLessThan(1e-5);
      expect(maxErr(native.value, wasm[k]!.value)).toBeLessThan(1e-5);
      native.grads.forEach((g, i) => {
        expect(maxErr(g, wantGrads[i]!)).toBeLessThan(1e-4);
        expect(maxErr(g, wasm[k]!.grads[i]!)).toBeLessThan(1e-4);
      });
    });
  });

  it("AdamATan2 and AdamW updates match float64", () => {
    const n = 50;
    const [p, m, v, g] = [1, 2, 3, 4].map((s) => values(n, s)) as [Float64Array, Float64Array, Float64Array, Float64Array];
    v.forEach((x, i) => (v[i] = Math.abs(x)));
    for (const kind of ["atan2", "adamw"] as const) {
      const attrs = { kind, lr: 0.01, beta1: 0.9, beta2: 0.95, bc1: 0.271, bc2Sqrt: 0.3, decay: 0.999, eps: 1e-8 };
      const out = tf.tidy(() => runFusedKernel("TrmAdamUpdate", { p: tf.tensor1d(Float32Array.from(p)), m: tf.tensor1d(Float32Array.from(m)), v: tf.tensor1d(Float32Array.from(v)), g: tf.tensor1d(Float32Array.from(g)) }, attrs).map((t) => t.dataSync()));
      const want = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
      for (let i = 0; i < n; i++) {
        const mi = m[i]! + (g[i]! - m[i]!) * 0.1;
        const vi = v[i]! + (g[i]! ** 2 - v[i]!) * 0.05;
        const denom = Math.sqrt(vi) / attrs.bc2Sqrt;
        const dir = kind === "atan2" ? Math.atan2(mi, denom) : mi / (denom + attrs.eps);
        want[0]![i] = p[i]! * attrs.decay - (attrs.lr / attrs.bc1) * dir;
        want[1]![i] = mi;
        want[2]![i] = vi;
      }
      out.forEach((o, i) => expect(maxErr(o, want[i]!)).toBeLessThan(1e-5));
    }
  });

  it("AdamATan2's direction is atan2 within 4 ulp over every magnitude, at zero and at the reduction's edges", () => {
    // p = 0, decay 1, lr / bc1 = 1 and moments that stay put (beta 1) make the kernel return -atan2(m, sqrt(v)).
    const ms: number[] = [0, -0, 1, -1, 1e-30, 1e18];
    const vs: number[] = [0, 0, 0, 0, 1, 1];
    for (let e = -18; e <= 18; e++) {
      for (const ratio of [0.3, 0.41, 0.4142135, 0.4143, 0.9, 1, 1.1, 2.41, 2.4142135, 2.42, 7]) {
        for (const sign of [1, -1]) {
          const denom = 10 ** e;
          ms.push(sign * ratio * denom);
          vs.push(denom * denom);
        }
      }
    }
    const n = ms.length;
    const out = tf.tidy(() => {
      const t = (a: number[]) => tf.tensor1d(Float32Array.from(a));
      return runFusedKernel("TrmAdamUpdate", { p: t(new Array<number>(n).fill(0)), m: t(ms), v: t(vs), g: t(ms) }, { kind: "atan2", lr: 1, beta1: 1, beta2: 1, bc1: 1, bc2Sqrt: 1, decay: 1, eps: 1e-8 })[0]!.dataSync();
    });
    const m32 = Float32Array.from(ms);
    const v32 = Float32Array.from(vs);
    for (let i = 0; i < n; i++) {
      const want = Math.atan2(m32[i]!, Math.fround(Math.sqrt(v32[i]!)));
      const got = -out[i]!;
      const ulp = Math.max(Math.abs(want), 2 ** -126) * 2 ** -23;
      expect(Math.abs(got - want), `atan2(${m32[i]}, sqrt(${v32[i]}))`).toBeLessThanOrEqual(4 * ulp);
      if (m32[i] !== 0) expect(Math.sign(got), `sign for m = ${m32[i]}`).toBe(Math.sign(m32[i]!));
    }
  });

  it("updates every parameter in one TrmAdamUpdateMany launch, as TrmAdamUpdate does one by one, inputs untouched", () => {
    const shapes = [[3, 5], [7], [2, 2, 4]];
    const attrs = { kind: "atan2", lr: 0.02, beta1: 0.9, beta2: 0.95, bc1: 0.19, bc2Sqrt: 0.31, decay: 0.998, eps: 1e-8 };
    tf.tidy(() => {
      const groups = shapes.map((shape, j) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const [p, m, v, g] = [1, 2, 3, 4].map((s) => values(n, 20 * j + s)).map((x, k) => tf.tensor(Float32Array.from(k === 2 ? x.map(Math.abs) : x), shape));
        return { p: p!, m: m!, v: v!, g: g! };
      });
      const copies = groups.map((gr) => [gr.p, gr.m, gr.v, gr.g].map((t) => Float32Array.from(t.dataSync())));
      const inputs: tf.NamedTensorMap = {};
      groups.forEach((gr, j) => Object.assign(inputs, { [`p${j}`]: gr.p, [`m${j}`]: gr.m, [`v${j}`]: gr.v, [`g${j}`]: gr.g }));
      const many = runFusedKernel("TrmAdamUpdateMany", inputs, { ...attrs, count: shapes.length });
      expect(many).toHaveLength(3 * shapes.length);
      groups.forEach((gr, j) => {
        const one = runFusedKernel("TrmAdamUpdate", gr, attrs);
        one.forEach((t, k) => {
          expect(many[3 * j + k]!.shape).toEqual(shapes[j]);
          expect(Array.from(many[3 * j + k]!.dataSync())).toEqual(Array.from(t.dataSync()));
        });
        [gr.p, gr.m, gr.v, gr.g].forEach((t, k) => expect(Array.from(t.dataSync())).toEqual(Array.from(copies[j]![k]!)));
      });
      expect(() => runFusedKernel("TrmAdamUpdateMany", inputs, { ...attrs, count: shapes.length + 1 })).toThrow(/missing input "p3"/);
    });
  });

  it("matMul takes every transpose flag and batch shape natively", () => {
    const shapes: [number[], number[], boolean, boolean][] = [
      [[7, 5], [5, 3], false, false],
      [[7, 5], [3, 5], false, true],
      [[5, 7], [5, 3], true, false],
      [[5, 7], [3, 5], true, true],
      [[4, 6, 5], [4, 5, 3], false, false],
      [[2, 3, 6, 8], [2, 3, 6, 8], false, true],
      [[4, 6, 5], [1, 5, 3], false, false],
    ];
    shapes.forEach(([sa, sb, ta, tb], k) => {
      const a = values(sa.reduce((x, y) => x * y, 1), 200 + k);
      const b = values(sb.reduce((x, y) => x * y, 1), 300 + k);
      const got = tf.tidy(() => tf.matMul(tf.tensor(Float32Array.from(a), sa), tf.tensor(Float32Array.from(b), sb), ta, tb).dataSync());
      // Reference: explicit float64 loops over op(A[i]) op(B[i]).
      const [ar, ac] = sa.slice(-2) as [number, number];
      const [br, bc] = sb.slice(-2) as [number, number];
      const [mm, kk, nn] = [ta ? ac : ar, ta ? ar : ac, tb ? br : bc];
      const batchA = a.length / (ar * ac);
      const batchB = b.length / (br * bc);
      const want = new Float64Array(Math.max(batchA, batchB) * mm * nn);
      for (let i = 0; i < Math.max(batchA, batchB); i++) for (let r = 0; r < mm; r++) for (let cc = 0; cc < nn; cc++) {
        let s = 0;
        for (let j = 0; j < kk; j++) {
          const x = a[(batchA === 1 ? 0 : i) * ar * ac + (ta ? j * ac + r : r * ac + j)]!;
          const y = b[(batchB === 1 ? 0 : i) * br * bc + (tb ? cc * bc + j : j * bc + cc)]!;
          s += x * y;
        }
        want[i * mm * nn + r * nn + cc] = s;
      }
      expect(maxErr(got, want)).toBeLessThan(1e-5);
    });
  });

  it("tiles (broadcastTo) float32 and int32 tensors natively, like the wasm kernel", async () => {
    const cases: [number[], number[]][] = [[[3], [4]], [[1, 1, 5], [2, 3, 1]], [[2, 1, 3], [1, 4, 2]], [[2, 3, 1, 2], [2, 1, 3, 1]]];
    const outs: Float32Array[] = [];
    for (const [shape, reps] of cases) {
      const x = values(shape.reduce((a, b) => a * b, 1), 11);
      outs.push(tf.tidy(() => tf.tile(tf.tensor(Float32Array.from(x), shape), reps).dataSync() as Float32Array));
      outs.push(tf.tidy(() => Float32Array.from(tf.tile(tf.tensor(Int32Array.from(x, (v) => Math.round(v * 100)), shape, "int32"), reps).dataSync())));
    }
    await useBackend("wasm", { log: null, native: false });
    const want: Float32Array[] = [];
    for (const [shape, reps] of cases) {
      const x = values(shape.reduce((a, b) => a * b, 1), 11);
      want.push(tf.tidy(() => tf.tile(tf.tensor(Float32Array.from(x), shape), reps).dataSync() as Float32Array));
      want.push(tf.tidy(() => Float32Array.from(tf.tile(tf.tensor(Int32Array.from(x, (v) => Math.round(v * 100)), shape, "int32"), reps).dataSync())));
    }
    await useBackend("wasm", { log: null, native: true });
    outs.forEach((o, i) => expect(Array.from(o)).toEqual(Array.from(want[i]!)));
  });

  it("transposes the last two axes natively", () => {
    const x = values(4 * 33 * 40, 7);
    const got = tf.tidy(() => tf.transpose(tf.tensor(Float32Array.from(x), [4, 33, 40]), [0, 2, 1]).dataSync());
    for (let a = 0; a < 4; a++) for (let r = 0; r < 33; r++) for (let c = 0; c < 40; c++) {
      expect(got[a * 1320 + c * 33 + r]).toBe(Math.fround(x[a * 1320 + r * 40 + c]!));
    }
  });
});
