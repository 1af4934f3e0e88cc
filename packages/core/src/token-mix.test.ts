import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { rmsNorm } from "./rms-norm.js";
import { swiglu } from "./swiglu.js";
import { randTensor } from "./test-utils/finite-diff.js";
import { tokenMix } from "./token-mix.js";

describe("tokenMix (mlp_t)", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("mixes along the sequence axis and normalises over it, row by row", () => {
    const [b, s, d] = [2, 3, 4];
    const h = randTensor([b * s, d], 5) as tf.Tensor2D;
    const gu = randTensor([s, 8], 6) as tf.Tensor2D;
    const down = randTensor([4, s], 7) as tf.Tensor2D;
    const y = tokenMix(h, gu, down, b, s).arraySync();
    for (let r = 0; r < b; r++) {
      // Row r alone: [S, D] -> [D, S], SwiGLU over S, residual, RMSNorm over S, back to [S, D].
      const hr = tf.transpose<tf.Tensor2D>(tf.slice(h, [r * s, 0], [s, d]));
      const ref = tf.transpose(rmsNorm(tf.add(hr, swiglu(hr, gu, down)))).arraySync() as number[][];
      for (let t = 0; t < s; t++) for (let j = 0; j < d; j++) expect(y[r * s + t]![j]).toBeCloseTo(ref[t]![j]!, 5);
      // Normalised over the sequence axis: each hidden column of the row has mean square ~1.
      for (let j = 0; j < d; j++) {
        let ms = 0;
        for (let t = 0; t < s; t++) ms += y[r * s + t]![j]! ** 2 / s;
        expect(ms).toBeCloseTo(1, 3);
      }
    }
  });
});
