import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useBackend } from "@trm/core";
import { loadSafetensors, saveSafetensors } from "@trm/core/node";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCheckpoints } from "./checkpoint.js";
import { parseTrainConfig, type TrainConfigInput } from "./config.js";
import { fit, type FitEvent, type FitOptions } from "./fit.js";
import { FakeModel, FakeSampler, fakeBatch, fakeEvaluate } from "./test-utils/fake-model.js";

const V = 6;
const L = 5;
let root: string;

beforeAll(async () => {
  await useBackend("wasm", { log: null });
  root = await mkdtemp(join(tmpdir(), "trm-fit-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function config(over: Partial<TrainConfigInput> = {}) {
  return parseTrainConfig({
    arch: { name: "fake" },
    global_batch_size: 8,
    lr: 0.05,
    lr_warmup_steps: 3,
    lr_min_ratio: 0.1,
    weight_decay: 0.1,
    puzzle_emb_lr: 0.01,
    ema_rate: 0.9,
    seed: 3,
    ...over,
  });
}

function options(over: Partial<FitOptions> & { config: FitOptions["config"] }): FitOptions {
  const model = new FakeModel({ vocab: V, seqLen: L, numPuzzleIds: 3, haltMaxSteps: 4, haltExplorationProb: 0.3, seed: 11 });
  return {
    model,
    totalSteps: 20,
    createSampler: (o, state) => new FakeSampler({ batchSize: o.batchSize, seqLen: L, vocab: V, seed: o.seed }, state),
    evaluate: fakeEvaluate(model, fakeBatch(6, L, V, 99)),
    ...over,
  };
}

function weights(model: FitOptions["model"]): Map<string, number[]> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, Array.from(t.dataSync())]));
}

describe("fit", () => {
  it("resumes exactly: 20 steps straight equal 10 steps, stop, resume, 10 steps (2 micro-batches, eval and EMA on)", async () => {
    const cfg = config({ micro_batch_size: 4, eval_every_steps: 5, checkpoint_every_steps: 5 });
    const a = options({ config: cfg, runDir: join(root, "straight") });
    const ra = await fit(a);
    expect(ra.status).toBe("completed");
    expect(ra.step).toBe(20);

    const dir = join(root, "resumed");
    const b1 = options({ config: cfg, runDir: dir, budget: { maxSteps: 10 } });
    const rb1 = await fit(b1);
    expect(rb1.status).toBe("budget");
    expect(rb1.step).toBe(10);
    b1.model.dispose();
    const b2 = options({ config: cfg, runDir: dir, resume: true });
    const events: FitEvent[] = [];
    const rb2 = await fit({ ...b2, onEvent: (e) => events.push(e) });
    expect(rb2.step).toBe(20);
    expect(events[0]).toMatchObject({ type: "start", step: 10 });

    const wa = weights(a.model);
    const wb = weights(b2.model);
    expect([...wb.keys()].sort()).toEqual([...wa.keys()].sort());
    for (const [k, v] of wa) expect(wb.get(k), k).toEqual(v);
    // The final EMA weights and the metrics history agree too.
    const fa = await readFile(join(root, "straight", "checkpoints", "final.safetensors"));
    const fb = await readFile(join(dir, "checkpoints", "final.safetensors"));
    expect(Buffer.compare(fa, fb)).toBe(0);
    const lines = (p: string) => readFile(p, "utf8").then((t) => t.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>));
    const ma = await lines(join(root, "straight", "metrics.jsonl"));
    const mb = await lines(join(dir, "metrics.jsonl"));
    expect(mb.map((r) => [r.split, r.step, r.loss, r.accuracy])).toEqual(ma.map((r) => [r.split, r.step, r.loss, r.accuracy]));
    a.model.dispose();
    b2.model.dispose();
  });

  it("accumulates: 1 x 8 and 4 x 2 micro-batches give the same updates and halting decisions", async () => {
    const runs = [];
    for (const micro of [8, 2]) {
      const o = options({ config: config({ micro_batch_size: micro, ema: false }), totalSteps: 6, evaluate: undefined });
      const records: FitEvent[] = [];
      await fit({ ...o, onEvent: (e) => records.push(e) });
      runs.push({ w: weights(o.model), steps: records.flatMap((e) => (e.type === "step" ? [[e.record.count, e.record.steps]] : [])) });
      o.model.dispose();
    }
    const [one, four] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(four.steps).toEqual(one.steps);
    for (const [k, v] of one.w) {
      const other = four.w.get(k) ?? [];
      v.forEach((x, i) => expect(other[i], `${k}[${i}]`).toBeCloseTo(x, 5));
    }
  });

  it("stops on a NaN loss with a clear message, without applying it, keeping the last good checkpoint", async () => {
    const dir = join(root, "nan");
    const o = options({ config: config({ checkpoint_every_steps: 5 }), runDir: dir });
    (o.model as FakeModel).poisonFromCall = 7;
    const r = await fit(o);
    expect(r.status).toBe("diverged");
    expect(r.step).toBe(6);
    expect(r.message).toMatch(/loss is NaN at step 7 .*Last good checkpoint: .*step-00000005\.json \(step 5\)/);
    expect((await listCheckpoints(join(dir, "checkpoints"))).map((c) => c.step)).toEqual([5]);
    o.model.dispose();
  });

  it("a failed checkpoint write is an error naming the file and the cause, and leaves the previous one intact", async () => {
    const dir = join(root, "atomic");
    const events: FitEvent[] = [];
    const o = options({ config: config({ checkpoint_every_steps: 5, checkpoint_keep: 5 }), runDir: dir, totalSteps: 12 });
    const onEvent = (e: FitEvent) => {
      events.push(e);
      // A directory where the step-10 weights file should go makes that write fail like a full disk would.
      if (e.type === "step" && e.step === 7) void mkdir(join(dir, "checkpoints", "step-00000010.safetensors", "blocker"), { recursive: true });
    };
    await expect(fit({ ...o, onEvent })).rejects.toThrow(/checkpoint at step 10 failed: Cannot write safetensors file .*step-00000010\.safetensors: E[A-Z]+/);
    const failed = events.find((e) => e.type === "checkpoint-failed");
    expect(failed).toMatchObject({ type: "checkpoint-failed", step: 10 });
    expect(failed?.type === "checkpoint-failed" && failed.previous).toMatch(/step-00000005\.json$/);
    expect((await listCheckpoints(join(dir, "checkpoints"))).map((c) => c.step)).toEqual([5]);
    const files = await readdir(join(dir, "checkpoints"));
    expect(files.some((f) => f.endsWith(".tmp"))).toBe(false);
    await rm(join(dir, "checkpoints", "step-00000010.safetensors"), { recursive: true });
    // The step-5 checkpoint resumes.
    const o2 = options({ config: config({ checkpoint_every_steps: 5 }), runDir: dir, totalSteps: 12, resume: true });
    const started: FitEvent[] = [];
    await fit({ ...o2, onEvent: (e) => started.push(e), budget: { maxSteps: 5 } });
    expect(started[0]).toMatchObject({ type: "start", step: 5 });
    o.model.dispose();
    o2.model.dispose();
  });

  it("stops on an AbortSignal after the current step and writes a checkpoint", async () => {
    const dir = join(root, "abort");
    const controller = new AbortController();
    const o = options({ config: config({}), runDir: dir });
    const r = await fit({
      ...o,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "step" && e.step === 3) controller.abort();
      },
    });
    expect(r.status).toBe("aborted");
    expect(r.step).toBe(3);
    expect((await listCheckpoints(join(dir, "checkpoints"))).map((c) => c.step)).toEqual([3]);
    expect(JSON.parse(await readFile(join(dir, "config.json"), "utf8"))).toMatchObject({ global_batch_size: 8, lr: 0.05 });
    o.model.dispose();
  });

  it("keeps tf.memory().numTensors flat over 200 steps", async () => {
    const o = options({ config: config({ micro_batch_size: 4, eval_every_steps: 50 }), totalSteps: 200 });
    const counts: number[] = [];
    await fit({ ...o, onEvent: (e) => e.type === "step" && counts.push(e.record.memory.numTensors) });
    expect(counts).toHaveLength(200);
    expect(counts[199]).toBe(counts[9]);
    expect(Math.max(...counts.slice(9))).toBe(counts[9]);
    o.model.dispose();
  });

  it("a run folder belongs to one run: reuse is refused, --overwrite starts over, resume skips damage", async () => {
    const dir = join(root, "owned");
    const first = options({ config: config({ checkpoint_every_steps: 2, checkpoint_keep: 5 }), runDir: dir, totalSteps: 6 });
    await fit(first);
    const again = options({ config: config({}), runDir: dir, totalSteps: 4 });
    await expect(fit(again)).rejects.toThrow(/is not empty .*pass --resume to continue it or --overwrite to start over/);
    // Leftovers of a killed process: a temporary file and weights without their JSON.
    const ck = join(dir, "checkpoints");
    await writeFile(join(ck, ".step-00000008.safetensors.123-abcd1234.tmp"), "partial");
    await writeFile(join(ck, "step-00000009.safetensors"), "orphan");
    // A damaged newest checkpoint (truncated weights) and a JSON pointing outside the folder.
    await writeFile(join(ck, "step-00000006.safetensors"), "truncated");
    const json4 = JSON.parse(await readFile(join(ck, "step-00000004.json"), "utf8")) as Record<string, unknown>;
    await writeFile(join(ck, "step-00000005.json"), JSON.stringify({ ...json4, step: 5, weights: "../../elsewhere.safetensors" }));
    const events: FitEvent[] = [];
    const resumed = options({ config: config({ checkpoint_every_steps: 2, checkpoint_keep: 5 }), runDir: dir, totalSteps: 6, resume: true });
    await fit({ ...resumed, onEvent: (e) => events.push(e), budget: { maxSteps: 5 } });
    const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
    expect(warnings.join("\n")).toMatch(/removed 2 file\(s\) left by an interrupted write/);
    expect(warnings.join("\n")).toMatch(/step-00000005\.json: field "weights": expected a file name step-<n>\.safetensors/);
    expect(warnings.join("\n")).toMatch(/step-00000006\.json: .*trying an older one/);
    expect(events.find((e) => e.type === "start")).toMatchObject({ step: 4 });
    const steps = (await readFile(join(dir, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { split: string; step: number }).filter((r) => r.split === "train").map((r) => r.step);
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    // --overwrite clears the earlier run; its checkpoints never mix with the new ones.
    const fresh = options({ config: config({ checkpoint_every_steps: 2 }), runDir: dir, totalSteps: 2, overwrite: true });
    await fit(fresh);
    expect((await listCheckpoints(ck)).map((c) => c.step)).toEqual([2]);
    expect(await readdir(ck)).toContain("final.safetensors");
    for (const o of [first, again, resumed, fresh]) o.model.dispose();
  });

  it("resume skips a newest checkpoint with NaN weights or a damaged sampler state, naming the tensor or field; all unusable is an error", async () => {
    const dir = join(root, "unusable");
    const cfg = config({ checkpoint_every_steps: 2, checkpoint_keep: 5 });
    const first = options({ config: cfg, runDir: dir, totalSteps: 8, budget: { maxSteps: 4 } });
    await fit(first);
    const ck = join(dir, "checkpoints");
    const json4 = JSON.parse(await readFile(join(ck, "step-00000004.json"), "utf8")) as Record<string, unknown>;
    // Step 6: the weights of step 4 with one parameter set to NaN.
    const tensors = await loadSafetensors(join(ck, "step-00000004.safetensors"));
    const name = [...tensors.keys()].find((k) => !/^(ema|optim|carry)\./.test(k))!;
    const t = tensors.get(name)!;
    tensors.set(name, tf.fill(t.shape, Number.NaN));
    t.dispose();
    await saveSafetensors(join(ck, "step-00000006.safetensors"), tensors);
    for (const x of tensors.values()) x.dispose();
    await writeFile(join(ck, "step-00000006.json"), JSON.stringify({ ...json4, step: 6, weights: "step-00000006.safetensors" }));
    // Step 5: a sampler state its factory refuses.
    await writeFile(join(ck, "step-00000005.safetensors"), await readFile(join(ck, "step-00000004.safetensors")));
    await writeFile(join(ck, "step-00000005.json"), JSON.stringify({ ...json4, step: 5, weights: "step-00000005.safetensors", sampler: "garbage" }));
    const strict: FitOptions["createSampler"] = (o, state) => {
      if (state !== undefined && typeof state !== "number") throw new RangeError(`sampler state: expected a number, got ${JSON.stringify(state)}`);
      return new FakeSampler({ batchSize: o.batchSize, seqLen: L, vocab: V, seed: o.seed }, state);
    };
    const events: FitEvent[] = [];
    const resumed = options({ config: cfg, runDir: dir, totalSteps: 8, resume: true, createSampler: strict, budget: { maxSteps: 4 } });
    await fit({ ...resumed, onEvent: (e) => events.push(e) });
    const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : [])).join("\n");
    expect(warnings).toContain(`step-00000006.safetensors: tensor "${name}" holds NaN or an infinity`);
    expect(warnings).toMatch(/step-00000005\.json: field "sampler": sampler state: expected a number, got "garbage"; trying an older one/);
    expect(events.find((e) => e.type === "start")).toMatchObject({ step: 4 });
    // When no checkpoint can be restored the run does not silently start over from half-loaded weights.
    for (const n of await readdir(ck)) if (/step-0000000[24]\./.test(n)) await rm(join(ck, n));
    const none = options({ config: cfg, runDir: dir, totalSteps: 8, resume: true, createSampler: strict });
    await expect(fit(none)).rejects.toThrow(/no checkpoint in .* could be restored .*step-00000006\.safetensors: tensor .*pass --overwrite to start the run over/);
    // Nor when the only checkpoint's JSON is damaged.
    for (const n of await readdir(ck)) if (/step-0000000[56]\./.test(n)) await rm(join(ck, n));
    await writeFile(join(ck, "step-00000004.safetensors"), "x");
    await writeFile(join(ck, "step-00000004.json"), JSON.stringify({ ...json4, samples: "x" }));
    const damaged = options({ config: cfg, runDir: dir, totalSteps: 8, resume: true, createSampler: strict });
    await expect(fit(damaged)).rejects.toThrow(/no checkpoint in .* could be restored .*step-00000004\.json: field "samples"/);
    for (const o of [first, resumed, none, damaged]) o.model.dispose();
  });

  it("writes the final weights when a budget stops the run", async () => {
    const dir = join(root, "budget-final");
    const o = options({ config: config({}), runDir: dir, budget: { maxSteps: 3 } });
    const events: FitEvent[] = [];
    const r = await fit({ ...o, onEvent: (e) => events.push(e) });
    expect(events[0]).toMatchObject({ type: "start", totalSteps: 20, endStep: 3 });
    expect(r.status).toBe("budget");
    expect(await readdir(join(dir, "checkpoints"))).toContain("final.safetensors");
    o.model.dispose();
  });
});
