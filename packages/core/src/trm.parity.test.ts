import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { disposeCarry, type Batch } from "./recursive-model.js";
import { createTrm } from "./trm.js";
import { loadCheckpointWeights } from "./state-dict-file.js";
import { resolveTrmConfig } from "./trm-config.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const golden = path.resolve(repoRoot, "../shared/golden");
const present = existsSync(path.join(golden, "batch.json"));
if (!present) console.log(`TRM golden parity skipped: ${golden} is absent.`);

interface ExpectedStep {
  loss: number;
  lm_loss: number;
  q_halt_loss: number;
  q_continue_loss: number;
  q_halt: number[];
  q_continue: number[];
  exact_correct: boolean[];
  logits: number[][][];
}
interface Expected {
  steps: ExpectedStep[];
  grad_norms: Record<string, number>;
}

function goldenBatch(): Batch {
  const raw = JSON.parse(readFileSync(path.join(golden, "batch.json"), "utf8")) as { inputs: number[][]; labels: number[][]; puzzle_identifiers: number[] };
  return {
    size: raw.inputs.length,
    seqLen: raw.inputs[0]!.length,
    inputs: Int32Array.from(raw.inputs.flat()),
    labels: Int32Array.from(raw.labels.flat()),
    puzzleIdentifiers: Int32Array.from(raw.puzzle_identifiers),
  };
}

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
const norm = (t: tf.Tensor) => Math.sqrt(tf.sum(tf.square(t)).dataSync()[0]!);

describe("TRM golden parity", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  for (const name of ["trm-att", "trm-mlp"]) {
    it.skipIf(!present)(`${name}: three supervision steps reproduce logits, q, losses and step-1 gradient norms`, async () => {
      const config = JSON.parse(readFileSync(path.join(golden, `${name}.config.json`), "utf8")) as Record<string, unknown>;
      const expected = JSON.parse(readFileSync(path.join(golden, `${name}.expected.json`), "utf8")) as Expected;
      const model = createTrm(resolveTrmConfig(config), { seed: 1 });
      await loadCheckpointWeights(model, path.join(golden, `${name}.weights.safetensors`));
      const batch = goldenBatch();
      let carry = model.initialCarry(batch);
      for (let s = 0; s < 3; s++) {
        const exp = expected.steps[s]!;
        const res = await model.trainStep(carry, batch, { rng: { next: () => 0.99 }, lossDivisor: batch.size });
        disposeCarry(carry);
        carry = res.carry;
        const logits = res.outputs.logits.dataSync();
        const flat = exp.logits.flat(2);
        let maxDiff = 0;
        for (let i = 0; i < flat.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i]! - flat[i]!));
        // TRM-MLP's third step is ill-conditioned in float32: wasm and cpu differ by 3.6e-4 on its logits, and a 1e-6
        // relative change of H_init moves them by 5.4e-4 (measured), so 1e-4 holds there for steps 1-2 only.
        const tol = name === "trm-mlp" && s === 2 ? 1e-3 : 1e-4;
        expect(maxDiff, `step ${s + 1} logits`).toBeLessThan(tol);
        res.outputs.qHalt.dataSync().forEach((v, i) => expect(Math.abs(v - exp.q_halt[i]!), `step ${s + 1} q_halt`).toBeLessThan(tol));
        res.outputs.qContinue.dataSync().forEach((v, i) => expect(Math.abs(v - exp.q_continue[i]!), `step ${s + 1} q_continue`).toBeLessThan(tol));
        expect(relErr(res.losses.lm, exp.lm_loss), `step ${s + 1} lm`).toBeLessThan(1e-4);
        expect(relErr(res.losses.qHalt, exp.q_halt_loss), `step ${s + 1} q_halt loss`).toBeLessThan(1e-4);
        expect(relErr(res.losses.total, exp.loss), `step ${s + 1} loss`).toBeLessThan(1e-4);
        expect(res.losses.qContinue).toBe(exp.q_continue_loss);
        expect(Array.from(res.exactCorrect, (v) => v === 1)).toEqual(exp.exact_correct);
        expect(Array.from(res.carry.halted)).toEqual([0, 0, 0]);
        if (s === 0) {
          for (const [pname, want] of Object.entries(expected.grad_norms)) {
            const g = pname === "inner.puzzle_emb.weights" ? res.puzzleEmbGrad!.grad : res.grads.get(pname);
            expect(g, pname).toBeDefined();
            expect(relErr(norm(g!), want), `grad norm ${pname}`).toBeLessThan(1e-3);
          }
          expect(res.grads.size).toBe(Object.keys(expected.grad_norms).length - 1);
          expect(Array.from(res.puzzleEmbGrad!.ids)).toEqual([0, 2, 1]);
        }
        for (const g of res.grads.values()) g.dispose();
        res.puzzleEmbGrad?.grad.dispose();
        res.outputs.logits.dispose();
        res.outputs.qHalt.dispose();
        res.outputs.qContinue.dispose();
      }
      disposeCarry(carry);
      model.dispose();
    });
  }
});
