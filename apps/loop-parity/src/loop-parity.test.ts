import { rmSync } from "node:fs";
import { join } from "node:path";
import { useBackend } from "@trm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareTraces } from "./compare.js";
import { refArgs, trainConfig, type ParityOptions } from "./options.js";
import { DEFAULT_REF_DIR, referenceUnavailable, runReferenceLoop } from "./reference.js";
import { batchesJson, runProjectLoop, type Trace } from "./trace.js";
import { tinyOptions, tinySudokuFolder } from "./test-utils/tiny.js";

const PYTHON = process.env.TRM_PYTHON ?? "/usr/bin/python3";
const unavailable = referenceUnavailable(PYTHON, DEFAULT_REF_DIR);
if (unavailable) console.warn(`[loop-parity tests] skipped the comparison with PyTorch: ${unavailable}`);

let dir = "";
beforeAll(async () => {
  await useBackend("wasm", { log: null });
  dir = tinySudokuFolder("loop-parity-");
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A few steps of a tiny model with 3 supervision steps, so halted rows are reset and refilled twice. */
const tiny = (over: Partial<ParityOptions>): ParityOptions => tinyOptions(dir, { heads: 2, steps: 8, lr: 1e-2, warmup: 2, ...over });

async function bothLoops(o: ParityOptions, name: string): Promise<{ ts: Trace; ref: Trace }> {
  const out = join(dir, name);
  const weightsAt = new Set([1, 4]);
  const ts = await runProjectLoop(o, out, weightsAt);
  const ref = await runReferenceLoop(o, { initPath: ts.initPath, batchesPath: ts.batchesPath, outPath: join(out, "ref.json") }, weightsAt, {
    python: PYTHON,
    refDir: DEFAULT_REF_DIR,
  });
  return { ts: ts.trace, ref };
}

describe.skipIf(unavailable !== null)("fit() against train_ref.py from the same weights and batches", () => {
  it.each([
    ["TRM, attention, learned positions", { model: "trm", pos: "learned" }],
    ["TRM-MLP", { model: "trm", mlpT: true, pos: "none" }],
    ["HRM (q_continue target, halting on q_halt > q_continue)", { model: "hrm", hLayers: 1, pos: "learned" }],
  ] as const)("%s: the same loss, halting and weights step by step", async (_name, over) => {
    const o = tiny(over);
    const { ts, ref } = await bothLoops(o, `${o.model}-${o.pos}`);
    const r = compareTraces(ts, ref, 1e-5);
    expect(r.steps).toBe(8);
    expect(r.firstLossDivergence).toBeNull();
    expect(r.firstHaltDivergence).toBeNull();
    expect(r.missing).toEqual([]);
    // Slots halt (at N_sup = 3 at the latest) and are refilled from the next batch within the run.
    expect(ref.steps.slice(0, 3).some((s) => s.halted.some((h) => h === 1))).toBe(true);
    // Weights after steps 1 and 4: each tensor within 1e-4 of the reference relative to its norm. (AdamATan2's update
    // of a weight whose gradient is at rounding level can differ by a fraction of lr, so no absolute bound at 1e-5.)
    for (const w of r.weights) {
      expect(w.maxRel).toBeLessThan(1e-4);
      expect(w.maxAbs).toBeLessThan(1e-3);
    }
  });
});

describe("loop-parity pieces", () => {
  it("maps one set of options to the same run on both sides", () => {
    const o = tiny({ model: "hrm", hLayers: 2, ema: 0 });
    const c = trainConfig(o);
    expect(c.arch).toMatchObject({ name: "hrm", H_layers: 2, L_layers: 1, hidden_size: 16, puzzle_emb_ndim: 16, halt_exploration_prob: 0 });
    expect(c).toMatchObject({ global_batch_size: 8, lr: 1e-2, lr_min_ratio: 1, lr_warmup_steps: 2, ema: false, beta2: 0.95 });
    const a = refArgs(o);
    expect(a.slice(a.indexOf("--H-layers"), a.indexOf("--H-layers") + 2)).toEqual(["--H-layers", "2"]);
    expect(a.slice(a.indexOf("--ema"), a.indexOf("--ema") + 2)).toEqual(["--ema", "0"]);
  });

  it("writes batches as train_ref.py reads them and refuses a real label 0", () => {
    const b = { size: 1, seqLen: 2, inputs: Int32Array.from([3, 4]), labels: Int32Array.from([-100, 5]), puzzleIdentifiers: Int32Array.from([0]) };
    expect(JSON.parse(batchesJson([b]))).toEqual({ B: 1, L: 2, batches: [{ inputs: [3, 4], labels: [0, 5], pid: [0] }] });
    expect(() => batchesJson([{ ...b, labels: Int32Array.from([0, 5]) }])).toThrow(/real label 0 at position 0/);
  });

  it("reports the first step where loss or halting differ", () => {
    const step = (k: number, loss: number, halted: number[]) => ({ step: k, loss, lm: 0, q_halt: 0, q_continue: 0, halted, steps: [k], q_halt_logits: [0] });
    const a: Trace = { steps: [step(1, 10, [0]), step(2, 10, [1]), step(3, 11, [1])], weights: { "2": { w: [1, 2] } } };
    const b: Trace = { steps: [step(1, 10, [0]), step(2, 10, [0]), step(3, 10, [1])], weights: { "2": { w: [1, 2.5] } } };
    const r = compareTraces(a, b, 1e-3);
    expect(r.firstHaltDivergence).toBe(2);
    expect(r.firstLossDivergence).toBe(3);
    expect(r.perStep[2]?.lossRel).toBeCloseTo(0.1, 9);
    expect(r.weights).toEqual([{ step: 2, maxAbs: 0.5, worst: "w", maxRel: expect.closeTo(0.5 / Math.sqrt(1 + 6.25), 9), worstRel: "w" }]);
  });
});
