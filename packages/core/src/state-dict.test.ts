import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import type { RecursiveModel } from "./recursive-model.js";
import { PUZZLE_EMB_NAME, StateDictMismatchError, loadStateDict, stripPrefix, stripPrefixes } from "./state-dict.js";
import { readSafetensorsFile } from "./safetensors-file.js";
import { loadCheckpointWeights, saveModelWeights } from "./state-dict-file.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const goldenFile = resolve(repoRoot, "../shared/golden/trm-att.weights.safetensors");
const hasGolden = existsSync(goldenFile);
if (!hasGolden) console.warn(`skipping the golden checkpoint load test: ${goldenFile} is absent`);

const notUsed = (): never => {
  throw new Error("not used");
};

let modelCount = 0;

/** A stand-in for TRM with the contract's three kinds of state; shapes are given by name. */
function fakeModel(shapes: Record<string, number[]>, fill = 0): RecursiveModel {
  // tfjs variable names are global: give each model's its own suffix.
  const id = ++modelCount;
  const variable = (name: string) => tf.tidy(() => tf.variable(tf.fill(shapes[name]!, fill), true, `${name}#${id}`));
  const params = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();
  let puzzleEmb: tf.Variable | null = null;
  for (const name of Object.keys(shapes)) {
    if (name === PUZZLE_EMB_NAME) puzzleEmb = variable(name);
    else if (name.endsWith("_init")) buffers.set(name, variable(name));
    else params.set(name, variable(name));
  }
  const all = () => [...params.values(), ...buffers.values(), ...(puzzleEmb ? [puzzleEmb] : [])];
  return {
    kind: "fake",
    config: { hidden_size: 4, model: "fake" },
    params,
    buffers,
    puzzleEmb,
    haltMaxSteps: 1,
    noActContinue: true,
    initialCarry: notUsed,
    trainStep: notUsed,
    evalStep: notUsed,
    stateDict: () => {
      const m = new Map<string, tf.Tensor>([...params, ...buffers]);
      if (puzzleEmb) m.set(PUZZLE_EMB_NAME, puzzleEmb);
      return m;
    },
    dispose: () => all().forEach((v) => v.dispose()),
  };
}

const SHAPES = {
  "inner.H_init": [4],
  "inner.lm_head.weight": [3, 4],
  "inner.q_head.bias": [2],
  [PUZZLE_EMB_NAME]: [2, 4],
};

const values = (model: RecursiveModel): Record<string, number[]> =>
  Object.fromEntries([...model.stateDict()].map(([n, t]) => [n, Array.from(t.dataSync())]));

const range = (shape: number[], start: number): tf.Tensor => {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: size }, (_, i) => start + i), shape);
};

/** A BF16 safetensors file by hand (this project writes only F32/I32/U8/BOOL; PyTorch writes bf16). */
function bf16File(entries: Record<string, [number[], Uint16Array]>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, [shape, data]] of Object.entries(entries)) {
    header[name] = { dtype: "BF16", shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  const text = JSON.stringify(header);
  const json = new TextEncoder().encode(text.padEnd(Math.ceil(text.length / 8) * 8, " "));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, data] of Object.values(entries)) {
    out.set(new Uint8Array(data.buffer), at);
    at += data.byteLength;
  }
  return out;
}

let dir = "";
beforeAll(async () => {
  await useBackend("wasm", { log: null });
  dir = await mkdtemp(join(tmpdir(), "state-dict-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("stripPrefix", () => {
  it("removes torch.compile and ACT wrapper prefixes in any order, and only leading ones", () => {
    expect(stripPrefix("_orig_mod.model.inner.q_head.bias")).toBe("inner.q_head.bias");
    expect(stripPrefix("model.inner.H_init")).toBe("inner.H_init");
    expect(stripPrefix("model._orig_mod.inner.H_init")).toBe("inner.H_init");
    expect(stripPrefix("inner.L_level.layers.0.model.weight")).toBe("inner.L_level.layers.0.model.weight");
    expect(stripPrefix("inner.x")).toBe("inner.x");
  });

  it("refuses two names that collide once stripped", () => {
    expect([...stripPrefixes(new Map([["_orig_mod.model.inner.a", 1], ["inner.b", 2]])).keys()]).toEqual(["inner.a", "inner.b"]);
    expect(() => stripPrefixes(new Map([["model.inner.a", 1], ["inner.a", 2]]))).toThrow(
      '"model.inner.a" and "inner.a" both name "inner.a" once wrapper prefixes are removed',
    );
  });
});

describe("loadStateDict", () => {
  it("refuses int32 or bool tensors in place of float32 parameters instead of casting them", () => {
    const model = fakeModel(SHAPES);
    const tensors = new Map<string, tf.Tensor>([
      ["inner.H_init", range([4], 10)],
      ["inner.lm_head.weight", range([3, 4], 0)],
      ["inner.q_head.bias", tf.tensor([-5, 7], [2], "int32")],
      [PUZZLE_EMB_NAME, tf.tensor([1, 0, 1, 0, 1, 0, 1, 0], [2, 4], "bool")],
    ]);
    expect(() => loadStateDict(model, tensors)).toThrow(/mismatched: inner\.q_head\.bias: expected float32 \[2\], got int32 \[2\]/);
    expect(() => loadStateDict(model, tensors)).toThrow(/mismatched: inner\.puzzle_emb\.weights: expected float32 \[2, 4\], got bool/);
    for (const t of tensors.values()) t.dispose();
    model.dispose();
  });

  it("assigns params, buffers and the puzzle table from prefixed names", () => {
    const model = fakeModel(SHAPES);
    const tensors = new Map<string, tf.Tensor>([
      ["_orig_mod.model.inner.H_init", range([4], 10)],
      ["_orig_mod.model.inner.lm_head.weight", range([3, 4], 0)],
      ["_orig_mod.model.inner.q_head.bias", tf.tensor([-5, 7], [2], "float32")],
      ["_orig_mod.model.inner.puzzle_emb.weights", range([2, 4], 100)],
    ]);
    const before = tf.memory().numTensors;
    const result = loadStateDict(model, tensors);
    expect(tf.memory().numTensors).toBe(before);
    expect([...result.loaded].sort()).toEqual(Object.keys(SHAPES).sort());
    expect(values(model)).toEqual({
      "inner.H_init": [10, 11, 12, 13],
      "inner.lm_head.weight": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      "inner.q_head.bias": [-5, 7],
      [PUZZLE_EMB_NAME]: [100, 101, 102, 103, 104, 105, 106, 107],
    });
    expect(model.params.get("inner.q_head.bias")!.dtype).toBe("float32");
    // The caller still owns its tensors; the model keeps its values after they are freed.
    for (const t of tensors.values()) t.dispose();
    expect(values(model)["inner.H_init"]).toEqual([10, 11, 12, 13]);
    model.dispose();
  });

  it("lists every missing, unexpected and mis-shaped tensor in one error and changes nothing", () => {
    const model = fakeModel(SHAPES, 0.5);
    const snapshot = values(model);
    const tensors = new Map<string, tf.Tensor>([
      ["model.inner.H_init", range([4], 1)], // fits, but must not be assigned
      ["model.inner.lm_head.weight", range([4, 3], 1)],
      ["model.inner.puzzle_emb.weights", range([3, 4], 1)],
      ["model.inner.extra", range([1], 1)],
      ["model.inner.rotary_emb.cos_cached", range([2], 1)],
    ]);
    let err: unknown;
    try {
      loadStateDict(model, tensors, { source: "ckpt.safetensors" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictMismatchError);
    const m = err as StateDictMismatchError;
    expect(m.missing).toEqual(["inner.q_head.bias"]);
    expect(m.unexpected).toEqual(["inner.extra", "inner.rotary_emb.cos_cached"]);
    expect(m.mismatched.map((x) => [x.name, x.expectedShape, x.gotShape])).toEqual([
      ["inner.lm_head.weight", [3, 4], [4, 3]],
      [PUZZLE_EMB_NAME, [2, 4], [3, 4]],
    ]);
    expect(m.message).toBe(
      "ckpt.safetensors does not fit the model (1 missing, 2 unexpected, 2 mismatched); nothing was loaded:\n" +
        "  missing: inner.q_head.bias\n  unexpected: inner.extra\n  unexpected: inner.rotary_emb.cos_cached\n" +
        "  mismatched: inner.lm_head.weight: expected float32 [3, 4], got float32 [4, 3]\n" +
        "  mismatched: inner.puzzle_emb.weights: expected float32 [2, 4], got float32 [3, 4]",
    );
    expect(values(model)).toEqual(snapshot);
    for (const t of tensors.values()) t.dispose();
    model.dispose();
  });

  it("non-strict mode skips missing and unexpected names but still rejects a mis-shaped tensor", () => {
    const model = fakeModel(SHAPES);
    const partial = new Map<string, tf.Tensor>([
      ["inner.q_head.bias", tf.tensor([1, 2])],
      ["inner.unknown", tf.tensor([3])],
    ]);
    const result = loadStateDict(model, partial, { strict: false });
    expect(result.loaded).toEqual(["inner.q_head.bias"]);
    expect(result.unexpected).toEqual(["inner.unknown"]);
    expect([...result.missing].sort()).toEqual(["inner.H_init", "inner.lm_head.weight", PUZZLE_EMB_NAME]);
    expect(values(model)["inner.q_head.bias"]).toEqual([1, 2]);
    expect(values(model)["inner.H_init"]).toEqual([0, 0, 0, 0]);

    const bad = new Map<string, tf.Tensor>([
      ["inner.H_init", tf.tensor([9, 9, 9, 9])],
      ["inner.q_head.bias", tf.tensor([1, 2, 3])],
    ]);
    expect(() => loadStateDict(model, bad, { strict: false })).toThrow(
      /\(0 missing, 0 unexpected, 1 mismatched\).*\n {2}mismatched: inner\.q_head\.bias: expected float32 \[2\], got float32 \[3\]$/,
    );
    expect(values(model)["inner.H_init"]).toEqual([0, 0, 0, 0]);
    for (const t of [...partial.values(), ...bad.values()]) t.dispose();
    model.dispose();
  });
});

describe("checkpoint files", () => {
  it("saves a model and loads it into another bit-exactly, with format and config metadata, leaking nothing", async () => {
    const a = fakeModel(SHAPES);
    const bits = new Float32Array(new Uint32Array([0x7fc00001, 0x80000000, 0x00000001, 0x3eaaaaab]).buffer);
    tf.tidy(() => {
      a.buffers.get("inner.H_init")!.assign(tf.tensor(bits, [4]));
      a.params.get("inner.lm_head.weight")!.assign(tf.randomNormal([3, 4], 0, 1, "float32", 7));
      a.puzzleEmb!.assign(tf.randomNormal([2, 4], 0, 1, "float32", 8));
    });
    const b = fakeModel(SHAPES, 3);
    const path = join(dir, "model.safetensors");
    const before = tf.memory().numTensors;
    await saveModelWeights(a, path, { step: "12" });
    expect(tf.memory().numTensors).toBe(before);
    const { metadata, tensors } = await readSafetensorsFile(path);
    expect(metadata).toEqual({ format: "pt", config: '{"hidden_size":4,"model":"fake"}', step: "12" });
    expect([...tensors.keys()]).toEqual(["inner.H_init", "inner.lm_head.weight", PUZZLE_EMB_NAME, "inner.q_head.bias"]);

    const result = await loadCheckpointWeights(b, path);
    expect(result.loaded.length).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
    const bitsOf = (m: RecursiveModel) =>
      Object.fromEntries([...m.stateDict()].map(([n, t]) => [n, Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer))]));
    expect(bitsOf(b)).toEqual(bitsOf(a));
    expect(await readdir(dir)).toEqual(["model.safetensors"]);
    a.dispose();
    b.dispose();
  });

  it("loads a BF16 checkpoint written under wrapper prefixes, and names the file when it does not fit", async () => {
    const bf = (...v: number[]) => new Uint16Array(v);
    const file = bf16File({
      "_orig_mod.model.inner.H_init": [[4], bf(0x3f80, 0xbf80, 0x4000, 0x3fc0)],
      "_orig_mod.model.inner.lm_head.weight": [[3, 4], bf(...Array<number>(12).fill(0x4040))],
      "_orig_mod.model.inner.q_head.bias": [[2], bf(0xc040, 0x0000)],
      "_orig_mod.model.inner.puzzle_emb.weights": [[2, 4], bf(...Array<number>(8).fill(0x3e80))],
    });
    const path = join(dir, "bf16.safetensors");
    await writeFile(path, file);
    const model = fakeModel(SHAPES);
    await loadCheckpointWeights(model, path);
    expect(values(model)).toEqual({
      "inner.H_init": [1, -1, 2, 1.5],
      "inner.lm_head.weight": Array<number>(12).fill(3),
      "inner.q_head.bias": [-3, 0],
      [PUZZLE_EMB_NAME]: Array<number>(8).fill(0.25),
    });
    const other = fakeModel({ ...SHAPES, "inner.q_head.weight": [2, 4] });
    await expect(loadCheckpointWeights(other, path)).rejects.toThrow(`${path} does not fit the model (1 missing, 0 unexpected, 0 mismatched)`);
    model.dispose();
    other.dispose();
    await rm(path);
  });

  it.skipIf(!hasGolden)("loads the golden trm-att checkpoint into a model of its shapes", async () => {
    const { tensors } = await readSafetensorsFile(goldenFile);
    const shapes = Object.fromEntries([...tensors].map(([n, t]) => [n, [...t.shape]]));
    const model = fakeModel(shapes);
    const before = tf.memory().numTensors;
    const result = await loadCheckpointWeights(model, goldenFile);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.loaded.length).toBe(tensors.size);
    expect(model.puzzleEmb!.shape).toEqual([3, 64]);
    for (const [name, t] of model.stateDict()) expect(Array.from(t.dataSync())).toEqual(Array.from(tensors.get(name)!.data));
    model.dispose();
  });
});
