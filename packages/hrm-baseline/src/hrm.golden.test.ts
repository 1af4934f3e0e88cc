import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { disposeCarry, useBackend, type Batch, type TrainStepResult } from "@trm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveHrmConfig } from "./hrm-config.js";
import { createHrm, type Hrm } from "./hrm.js";
import { loadCheckpointWeights, readSafetensorsFile } from "@trm/core/node";

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const golden = resolve(repoRoot, "../shared/golden");
const present = existsSync(resolve(golden, "hrm.expected.json"));
if (!present) console.warn(`[@trm/hrm-baseline] ${golden} is absent: the HRM golden parity test is skipped.`);

interface ExpectedStep {
  readonly step: number;
  readonly loss: number;
  readonly lm_loss: number;
  readonly q_halt_loss: number;
  readonly q_continue_loss: number;
  readonly q_halt: number[];
  readonly q_continue: number[];
  readonly q_target: number[];
  readonly exact_correct: boolean[];
  readonly logits: number[][][];
}

interface Expected {
  readonly steps: ExpectedStep[];
  readonly grad_norms: Record<string, number>;
}

interface GoldenBatch {
  readonly inputs: number[][];
  readonly puzzle_identifiers: number[];
  readonly labels: number[][];
}

const readJson = <T>(name: string): T => JSON.parse(readFileSync(resolve(golden, name), "utf8")) as T;

function toBatch(g: GoldenBatch): Batch {
  return {
    size: g.inputs.length,
    seqLen: g.inputs[0]!.length,
    inputs: Int32Array.from(g.inputs.flat()),
    labels: Int32Array.from(g.labels.flat()),
    puzzleIdentifiers: Int32Array.from(g.puzzle_identifiers),
  };
}

function norm(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return Math.sqrt(s);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function disposeResult(r: TrainStepResult): void {
  const o = r.outputs;
  tf.dispose([o.logits, o.qHalt, o.qContinue, ...(o.qContinueTarget ? [o.qContinueTarget] : []), ...r.grads.values()]);
  r.puzzleEmbGrad?.grad.dispose();
}

describe("HRM golden parity (three supervision steps of an independent PyTorch reference)", () => {
  let model: Hrm | null = null;

  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  afterAll(() => model?.dispose());

  it.skipIf(!present)("has exactly the golden file's tensor names and [out, in] shapes", async () => {
    const file = await readSafetensorsFile(resolve(golden, "hrm.weights.safetensors"));
    const fresh = createHrm(resolveHrmConfig(readJson<Record<string, unknown>>("hrm.config.json")), { seed: 0 });
    const state = fresh.stateDict();
    expect([...state.keys()].sort()).toEqual([...file.tensors.keys()].sort());
    for (const [name, t] of state) expect(t.shape, name).toEqual(file.tensors.get(name)!.shape);
    fresh.dispose();
  });

  it.skipIf(!present)("reproduces logits, q values, q_continue targets, loss terms and step-1 gradient norms", async () => {
    const config = readJson<Record<string, unknown>>("hrm.config.json");
    const expected = readJson<Expected>("hrm.expected.json");
    const batch = toBatch(readJson<GoldenBatch>("batch.json"));
    model = createHrm(resolveHrmConfig(config), { seed: 1 });
    const loaded = await loadCheckpointWeights(model, resolve(golden, "hrm.weights.safetensors"));
    expect(loaded.loaded).toHaveLength(model.params.size + model.buffers.size + 1);

    let carry = model.initialCarry(batch);
    for (const want of expected.steps) {
      // No exploration (rng never below 0.1); the reference never halts, so the next step keeps every slot.
      const r = await model.trainStep(carry, batch, { rng: { next: () => 0.5 }, lossDivisor: batch.size });
      if (carry.zH !== r.carry.zH) disposeCarry(carry);

      expect(maxAbsDiff(r.outputs.logits.dataSync(), want.logits.flat(2))).toBeLessThan(1e-4);
      expect(maxAbsDiff(r.outputs.qHalt.dataSync(), want.q_halt)).toBeLessThan(1e-4);
      expect(maxAbsDiff(r.outputs.qContinue.dataSync(), want.q_continue)).toBeLessThan(1e-4);
      expect(maxAbsDiff(r.outputs.qContinueTarget!.dataSync(), want.q_target)).toBeLessThan(1e-6);
      expect(Array.from(r.exactCorrect, (v) => v === 1)).toEqual(want.exact_correct);
      expect(r.losses.lm).toBeCloseTo(want.lm_loss, 4);
      expect(r.losses.qHalt).toBeCloseTo(want.q_halt_loss, 5);
      expect(r.losses.qContinue).toBeCloseTo(want.q_continue_loss, 5);
      expect(r.losses.total).toBeCloseTo(want.loss, 4);
      expect(Array.from(r.carry.steps)).toEqual([want.step, want.step, want.step]);

      if (want.step === 1) {
        const names = Object.keys(expected.grad_norms);
        expect(names.length).toBe(model.params.size + 1);
        for (const name of names) {
          let got: number;
          if (name === "inner.puzzle_emb.weights") {
            // Rows that share an id add up in the table's gradient.
            const pe = r.puzzleEmbGrad!;
            const width = pe.grad.shape[1];
            const g = pe.grad.dataSync();
            const table = new Map<number, Float64Array>();
            pe.ids.forEach((id, row) => {
              const acc = table.get(id) ?? new Float64Array(width);
              for (let j = 0; j < width; j++) acc[j]! += g[row * width + j]!;
              table.set(id, acc);
            });
            got = norm([...table.values()].flatMap((v) => Array.from(v)));
          } else {
            got = norm(r.grads.get(name)!.dataSync());
          }
          const want = expected.grad_norms[name]!;
          expect(Math.abs(got - want) / want, name).toBeLessThan(1e-3);
        }
      }

      // The reference steps on without halting: keep every slot.
      carry = { ...r.carry, halted: new Uint8Array(batch.size) };
      disposeResult(r);
    }
    disposeCarry(carry);
  });
});
