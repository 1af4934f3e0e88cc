import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path, { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { adapterLabel, createTrm, disposeCarry, probeWebGpu, resolveTrmConfig, useBackend, type Batch, type RecursiveModel, type StepResult } from "@trm/core";
import { createHrm, resolveHrmConfig } from "@trm/hrm-baseline";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";
import { loadCheckpointWeights } from "@trm/core/node";

// TRM-Att, TRM-MLP and HRM on WebGPU against wasm, on the golden configurations and weights, and a short fit on WebGPU.
// They run wherever Dawn finds an adapter, software ones included (CI: Mesa's lavapipe from bookworm-backports).
const gpu = await probeWebGpu();
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const golden = path.resolve(repoRoot, "../shared/golden");
const goldenPresent = existsSync(path.join(golden, "batch.json"));
/**
 * WebGPU in Node has no synchronous reads (tfjs-webgpu's dataSync needs OffscreenCanvas), so these tests need the model
 * contract's asynchronous steps: true when `evalStep` returns a promise.
 */
async function stepsAreAsync(): Promise<boolean> {
  await useBackend("wasm", { log: null });
  const model = createTrm(
    { vocab_size: 6, seq_len: 8, num_puzzle_identifiers: 2, hidden_size: 8, num_heads: 2, puzzle_emb_ndim: 8, puzzle_emb_len: 1, H_cycles: 1, L_cycles: 1, L_layers: 1, halt_max_steps: 2 },
    { seed: 0 },
  );
  const tokens = new Int32Array(8).fill(2);
  const batch: Batch = { size: 1, seqLen: 8, inputs: tokens, labels: tokens, puzzleIdentifiers: Int32Array.of(0) };
  const carry = model.initialCarry(batch);
  const pending: unknown = model.evalStep(carry, batch);
  const isAsync = typeof (pending as { then?: unknown }).then === "function";
  const r = (await pending) as StepResult;
  disposeCarry(carry);
  disposeCarry(r.carry);
  disposeOutputs(r);
  model.dispose();
  return isAsync;
}

const skip =
  gpu.adapter === null
    ? `no WebGPU adapter (${gpu.reason})`
    : !(await stepsAreAsync())
      ? "the model steps are synchronous (dataSync), which WebGPU in Node cannot serve"
      : null;
console.log(skip ? `webgpu tests skipped: ${skip}` : `webgpu tests run on ${adapterLabel(gpu.adapter!)}`);

/**
 * GPU float32 tolerance: WebGPU shaders sum in other orders than wasm (tiled matMuls, tree reductions) and the software
 * adapter's transcendental functions are not wasm's, so results agree to float32 rounding amplified by depth: logits
 * and q values to 1e-3 absolute, losses and gradient norms to 1e-3 relative.
 */
const ABS = 1e-3;
const REL = 1e-3;

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

/** What one step produced, read back to the host. */
interface Observed {
  logits: Float32Array;
  qHalt: Float32Array;
  qContinue: Float32Array;
  losses: number[];
  exactCorrect: number[];
  halted: number[];
  gradNorms: Map<string, number>;
}

function create(name: string): RecursiveModel {
  const config = JSON.parse(readFileSync(path.join(golden, `${name}.config.json`), "utf8")) as Record<string, unknown>;
  return name === "hrm" ? createHrm(resolveHrmConfig(config), { seed: 1 }) : createTrm(resolveTrmConfig(config), { seed: 1 });
}

function disposeOutputs(r: StepResult): void {
  r.outputs.logits.dispose();
  r.outputs.qHalt.dispose();
  r.outputs.qContinue.dispose();
  r.outputs.qContinueTarget?.dispose();
}

async function observe(r: StepResult, grads: Map<string, tf.Tensor> | null): Promise<Observed> {
  const gradNorms = new Map<string, number>();
  for (const [k, g] of grads ?? []) {
    const n = tf.tidy(() => tf.sqrt(tf.sum(tf.square(g))));
    gradNorms.set(k, (await n.data())[0]!);
    n.dispose();
  }
  return {
    logits: (await r.outputs.logits.data()) as Float32Array,
    qHalt: (await r.outputs.qHalt.data()) as Float32Array,
    qContinue: (await r.outputs.qContinue.data()) as Float32Array,
    losses: [r.losses.lm, r.losses.qHalt, r.losses.qContinue, r.losses.total],
    exactCorrect: Array.from(r.exactCorrect),
    halted: Array.from(r.carry.halted),
    gradNorms,
  };
}

/**
 * Three training steps then three evaluation steps of the golden model on the golden batch, on `backend`. Counts
 * synchronous reads (dataSync/arraySync) made inside the steps: on WebGPU in Node they need OffscreenCanvas, which Node
 * lacks, and on any GPU they would stall the pipeline.
 */
async function runSteps(backend: "wasm" | "webgpu", name: string): Promise<{ train: Observed[]; evaluate: Observed[]; syncReads: number; leaked: number }> {
  await useBackend(backend, { log: null });
  const model = create(name);
  await loadCheckpointWeights(model, path.join(golden, `${name}.weights.safetensors`));
  const batch = goldenBatch();
  const before = tf.memory().numTensors;
  const dataSync = vi.spyOn(tf.Tensor.prototype, "dataSync");
  const arraySync = vi.spyOn(tf.Tensor.prototype, "arraySync");
  let syncReads = 0;
  const train: Observed[] = [];
  const evaluate: Observed[] = [];
  try {
    let carry = model.initialCarry(batch);
    for (let s = 0; s < 3; s++) {
      dataSync.mockClear();
      arraySync.mockClear();
      const r = await Promise.resolve(model.trainStep(carry, batch, { rng: { next: () => 0.99 }, lossDivisor: batch.size }));
      syncReads += dataSync.mock.calls.length + arraySync.mock.calls.length;
      disposeCarry(carry);
      carry = r.carry;
      const grads = new Map(r.grads);
      if (r.puzzleEmbGrad) grads.set("inner.puzzle_emb.weights", r.puzzleEmbGrad.grad);
      train.push(await observe(r, grads));
      for (const g of grads.values()) g.dispose();
      disposeOutputs(r);
    }
    disposeCarry(carry);
    carry = model.initialCarry(batch);
    for (let s = 0; s < 3; s++) {
      dataSync.mockClear();
      arraySync.mockClear();
      const r = await Promise.resolve(model.evalStep(carry, batch));
      syncReads += dataSync.mock.calls.length + arraySync.mock.calls.length;
      disposeCarry(carry);
      carry = r.carry;
      evaluate.push(await observe(r, null));
      disposeOutputs(r);
    }
    disposeCarry(carry);
  } finally {
    dataSync.mockRestore();
    arraySync.mockRestore();
  }
  const leaked = tf.memory().numTensors - before;
  model.dispose();
  return { train, evaluate, syncReads, leaked };
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);

function expectClose(gpuStep: Observed, cpuStep: Observed, where: string): void {
  expect(gpuStep.logits.length, `${where} logits`).toBe(cpuStep.logits.length);
  expect(maxAbs(gpuStep.logits, cpuStep.logits), `${where} logits`).toBeLessThan(ABS);
  expect(maxAbs(gpuStep.qHalt, cpuStep.qHalt), `${where} q_halt`).toBeLessThan(ABS);
  expect(maxAbs(gpuStep.qContinue, cpuStep.qContinue), `${where} q_continue`).toBeLessThan(ABS);
  gpuStep.losses.forEach((l, i) => expect(rel(l, cpuStep.losses[i]!), `${where} loss term ${i}`).toBeLessThan(REL));
  expect(gpuStep.exactCorrect, `${where} exact`).toEqual(cpuStep.exactCorrect);
  expect(gpuStep.halted, `${where} halted`).toEqual(cpuStep.halted);
  expect([...gpuStep.gradNorms.keys()].sort(), `${where} gradients`).toEqual([...cpuStep.gradNorms.keys()].sort());
  for (const [k, n] of cpuStep.gradNorms) expect(rel(gpuStep.gradNorms.get(k)!, n), `${where} grad norm ${k}`).toBeLessThan(REL);
}

describe.skipIf(skip !== null)("webgpu", () => {
  for (const name of ["trm-att", "trm-mlp", "hrm"]) {
    it.skipIf(!goldenPresent)(`${name}: train and evaluation steps agree with wasm on the golden configuration, with no synchronous read`, async () => {
      const cpu = await runSteps("wasm", name);
      const onGpu = await runSteps("webgpu", name);
      expect(onGpu.syncReads, "dataSync/arraySync calls inside steps on webgpu").toBe(0);
      expect(cpu.syncReads, "dataSync/arraySync calls inside steps on wasm").toBe(0);
      expect(onGpu.leaked, "tensors left after the steps").toBe(0);
      for (let s = 0; s < 3; s++) expectClose(onGpu.train[s]!, cpu.train[s]!, `train step ${s + 1}`);
      for (let s = 0; s < 3; s++) expectClose(onGpu.evaluate[s]!, cpu.evaluate[s]!, `eval step ${s + 1}`);
      await useBackend("wasm", { log: null });
    }, 600_000);
  }

  describe("trm-train fit --backend webgpu", () => {
    let root = "";
    afterAll(async () => {
      if (root) await rm(root, { recursive: true, force: true });
    });

    it("trains 4x4 Sudoku (the loss falls), checkpoints and resumes on WebGPU", async () => {
      root = await mkdtemp(join(tmpdir(), "trm-webgpu-fit-"));
      const data = join(root, "sudoku4");
      const run = join(root, "run");
      const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      let fitCode: number;
      let resumeCode: number;
      try {
        expect(await main(["build-data", "--generate", "sudoku:size=4,train=300,test=32,minClues=8", "--seed", "3", "--out", data])).toBe(0);
        const common = ["--backend", "webgpu", "--quiet", "--set", "eval_every_steps=20", "--set", "eval_max_examples=16", "--set", "log_every_steps=1"];
        fitCode = await main([
          "fit", "--task", "sudoku", "--data", data, "--model", "trm", "--config", "tiny-trm-sudoku4", "--out", run,
          ...common, "--set", "max_steps=20", "--set", "checkpoint_every_steps=10",
        ]);
        resumeCode = await main(["fit", "--out", run, "--resume", ...common, "--set", "max_steps=22"]);
      } finally {
        out.mockRestore();
        err.mockRestore();
      }
      const lines = (await readFile(join(run, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(fitCode, lines.slice(-1).map((l) => JSON.stringify(l)).join("")).toBe(0);
      expect(resumeCode).toBe(0);
      expect(tf.getBackend()).toBe("webgpu");
      const steps = lines.filter((l) => l.split === "train");
      expect(steps.map((l) => l.step)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
      const mean = (rows: Record<string, unknown>[], key: string) => rows.reduce((s, r) => s + Number(r[key]), 0) / rows.length;
      const first = mean(steps.slice(0, 4), "loss");
      const last = mean(steps.slice(16, 20), "loss");
      console.log(`webgpu fit: loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
      expect(last).toBeLessThan(first);
      expect(existsSync(join(run, "checkpoints", "step-00000022.safetensors"))).toBe(true);
      expect(existsSync(join(run, "checkpoints", "final.safetensors"))).toBe(true);
      await useBackend("wasm", { log: null });
    }, 900_000);
  });
});
