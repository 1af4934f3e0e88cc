import * as tf from "@tensorflow/tfjs-core";
import { timeRuns, type Timing } from "./stats.js";

export interface MatMulPeak {
  /** [M, K] x [K, N], plain 2-D, no transpose flags: the backend's fast path. */
  readonly shape: readonly [number, number, number];
  readonly timing: Timing;
  readonly gflops: number;
  /** The same per CPU second of this process (steadier on a shared machine for a single-threaded backend). */
  readonly gflopsCpu: number;
}

/** The representative product: the SwiGLU gate_up of trm-mlp-sudoku (16 x 97 tokens, 512 -> 2 x 768). */
export const PEAK_SHAPE: readonly [number, number, number] = [1552, 512, 1536];

/** Measures the backend's 2-D matMul rate on one shape (median of `runs` after `warmup`). */
export function measureMatMulPeak(options: { warmup: number; runs: number; shape?: readonly [number, number, number] }): MatMulPeak {
  const [m, k, n] = options.shape ?? PEAK_SHAPE;
  const a = tf.randomUniform([m, k], -1, 1, "float32", 1);
  const b = tf.randomUniform([k, n], -1, 1, "float32", 2);
  // A few products per sample so one sample is long enough to time well.
  const reps = 4;
  try {
    const timing = timeRuns(
      () => {
        const s = tf.tidy(() => {
          let acc = tf.scalar(0);
          for (let i = 0; i < reps; i++) acc = tf.add(acc, tf.reshape(tf.slice(tf.matMul(a, b), [0, 0], [1, 1]), []));
          return acc;
        });
        s.dataSync();
        s.dispose();
      },
      { warmup: options.warmup, runs: options.runs },
    );
    const gflops = (reps * 2 * m * k * n) / (timing.medianMs * 1e6);
    const gflopsCpu = (reps * 2 * m * k * n) / (timing.cpuMedianMs * 1e6);
    return { shape: [m, k, n], timing, gflops, gflopsCpu };
  } finally {
    a.dispose();
    b.dispose();
  }
}
