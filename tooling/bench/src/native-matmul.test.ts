import * as tf from "@tensorflow/tfjs";
import { useBackend } from "@trm/core";
import { loadSgemm, nativeMatMulActive, registerNativeMatMul, unregisterNativeMatMul } from "@trm/native-matmul";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The optional addon is built only where a C compiler and a CBLAS library exist; elsewhere these tests skip.
const addon = loadSgemm();
if (!addon.ok) console.log(`native-matmul tests skipped: ${addon.reason}`);

/** Reference product in float64 from plain arrays: C[b] = op(A[b]) . op(B[b]), broadcasting a batch of one. */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): Float64Array {
  const av = a.dataSync();
  const bv = b.dataSync();
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [ar, ac] = [a.shape[ra - 2] as number, a.shape[ra - 1] as number];
  const [br, bc] = [b.shape[rb - 2] as number, b.shape[rb - 1] as number];
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const n = tb ? br : bc;
  const batchA = av.length / (ar * ac);
  const batchB = bv.length / (br * bc);
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let i = 0; i < batch; i++) {
    const ao = (batchA === 1 ? 0 : i) * ar * ac;
    const bo = (batchB === 1 ? 0 : i) * br * bc;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let j = 0; j < k; j++) {
          const x = av[ao + (ta ? j * ac + r : r * ac + j)] as number;
          const y = bv[bo + (tb ? c * bc + j : j * bc + c)] as number;
          s += x * y;
        }
        out[i * m * n + r * n + c] = s;
      }
    }
  }
  return out;
}

describe.skipIf(!addon.ok)("native sgemm BatchMatMul on the wasm heap", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
    expect(registerNativeMatMul()).toEqual({ registered: true });
  });
  afterAll(() => {
    unregisterNativeMatMul();
  });

  const cases: [string, number[], number[], boolean, boolean][] = [
    ["2-D", [7, 5], [5, 3], false, false],
    ["transposeB", [7, 5], [3, 5], false, true],
    ["transposeA", [5, 7], [5, 3], true, false],
    ["both", [5, 7], [3, 5], true, true],
    ["batched", [4, 6, 5], [4, 5, 3], false, false],
    ["batched transposeB (attention scores)", [2, 3, 6, 8], [2, 3, 6, 8], false, true],
    ["broadcast batch of one", [4, 6, 5], [1, 5, 3], false, false],
  ];
  for (const [name, sa, sb, ta, tb] of cases) {
    it(`${name}: ${JSON.stringify(sa)} x ${JSON.stringify(sb)} matches a float64 reference`, () => {
      expect(nativeMatMulActive()).toBe(true);
      const before = tf.memory().numTensors;
      const a = tf.randomUniform(sa, -1, 1, "float32", 3);
      const b = tf.randomUniform(sb, -1, 1, "float32", 4);
      const c = tf.matMul(a, b, ta, tb);
      const want = reference(a, b, ta, tb);
      const got = c.dataSync();
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i] as number, 5);
      tf.dispose([a, b, c]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("the gradient of a transposed product runs through it and matches the pure-wasm kernel", () => {
    const x = tf.randomUniform([9, 4], -1, 1, "float32", 5);
    const w = tf.randomUniform([6, 4], -1, 1, "float32", 6);
    const f = (xx: tf.Tensor, ww: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.matMul(xx, ww, false, true)));
    const [gxNative, gwNative] = tf.grads(f)([x, w]) as [tf.Tensor, tf.Tensor];
    unregisterNativeMatMul();
    const [gxWasm, gwWasm] = tf.grads(f)([x, w]) as [tf.Tensor, tf.Tensor];
    expect(registerNativeMatMul()).toEqual({ registered: true });
    const a = gxNative.dataSync();
    const b = gxWasm.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 4);
    const c = gwNative.dataSync();
    const d = gwWasm.dataSync();
    for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(d[i] as number, 4);
    tf.dispose([x, w, gxNative, gwNative, gxWasm, gwWasm]);
  });
});

describe("native sgemm fallback", () => {
  it("a missing addon is reported, not thrown, and the pure-wasm kernel stays", async () => {
    await useBackend("wasm", { log: null });
    const wasActive = nativeMatMulActive();
    unregisterNativeMatMul();
    const r = registerNativeMatMul("/nonexistent/sgemm.node");
    expect(r.registered).toBe(false);
    expect(r.registered ? "" : r.reason).toMatch(/\/nonexistent\/sgemm\.node was not built/);
    expect(nativeMatMulActive()).toBe(false);
    const c = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(c.dataSync()[0]).toBe(11);
    if (wasActive) registerNativeMatMul();
  });
});
