import * as tf from "@tensorflow/tfjs-core";
import { timeRuns } from "./stats.js";
import { createSwigluStep, swigluStepFlops, type SwigluStepShape } from "./swiglu-step.js";

/** One product of the ceiling comparison: its shapes, transpose flags and rate. */
export interface ProductRate {
  readonly name: string;
  readonly gflops: number;
  readonly medianMs: number;
}

export interface CeilingRates {
  readonly kernel: string;
  readonly products: readonly ProductRate[];
  readonly swigluStep: { readonly shape: SwigluStepShape; readonly medianMs: number; readonly gflops: number };
}

interface Product {
  readonly name: string;
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly flops: number;
}

// The products of a trm-mlp-sudoku step (16 x 97 tokens, hidden 512, SwiGLU 1536) and an attention score product.
const M = 1552;
const PRODUCTS: readonly Product[] = [
  { name: "x.W [1552,512]x[512,1536]", a: [M, 512], b: [512, 1536], transposeA: false, transposeB: false, flops: 2 * M * 512 * 1536 },
  { name: "dy.W^T (flag) [1552,1536]x[512,1536]^T", a: [M, 1536], b: [512, 1536], transposeA: false, transposeB: true, flops: 2 * M * 512 * 1536 },
  { name: "x^T.dy (flag) [1552,512]^T x[1552,1536]", a: [M, 512], b: [M, 1536], transposeA: true, transposeB: false, flops: 2 * M * 512 * 1536 },
  { name: "Q.K^T batched [128,97,64]x[128,97,64]^T", a: [128, 97, 64], b: [128, 97, 64], transposeA: false, transposeB: true, flops: 2 * 128 * 97 * 97 * 64 },
];

export const SWIGLU_SHAPE: SwigluStepShape = { rows: M, hidden: 512, inner: 1536, layers: 4 };

export function measureCeiling(kernel: string, options: { warmup: number; runs: number }): CeilingRates {
  const products = PRODUCTS.map((p): ProductRate => {
    const a = tf.randomUniform(p.a as number[], -1, 1, "float32", 11);
    const b = tf.randomUniform(p.b as number[], -1, 1, "float32", 12);
    const t = timeRuns(
      () => {
        const c = tf.matMul(a, b, p.transposeA, p.transposeB);
        c.dispose();
      },
      options,
    );
    a.dispose();
    b.dispose();
    return { name: p.name, gflops: p.flops / (t.medianMs * 1e6), medianMs: t.medianMs };
  });
  const step = createSwigluStep(SWIGLU_SHAPE);
  const t = timeRuns(() => step.step(), options);
  step.dispose();
  return {
    kernel,
    products,
    swigluStep: { shape: SWIGLU_SHAPE, medianMs: t.medianMs, gflops: swigluStepFlops(SWIGLU_SHAPE) / (t.medianMs * 1e6) },
  };
}

export function ceilingTable(rows: readonly CeilingRates[]): string {
  const names = [...(rows[0]?.products.map((p) => p.name) ?? []), "SwiGLU training step (4 layers, AdamATan2)"];
  const head = `| product | ${rows.map((r) => `${r.kernel} GFLOP/s (ms)`).join(" | ")} |\n|---|${rows.map(() => "---").join("|")}|`;
  const lines = names.map((name, i) => {
    const cells = rows.map((r) => {
      const p = i < r.products.length ? r.products[i] : { gflops: r.swigluStep.gflops, medianMs: r.swigluStep.medianMs };
      return p ? `${p.gflops.toFixed(1)} (${p.medianMs.toFixed(1)})` : "-";
    });
    return `| ${name} | ${cells.join(" | ")} |`;
  });
  return [head, ...lines].join("\n");
}
