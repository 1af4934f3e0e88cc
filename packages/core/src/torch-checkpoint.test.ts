import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { createRng } from "@trm/data";
import { disposeCarry, type Batch, type RecursiveModel, type StepResult } from "./recursive-model.js";
import { decodeSafetensors } from "./safetensors.js";
import { writeSafetensorsFile } from "./safetensors-file.js";
import { loadCheckpointWeights } from "./state-dict-file.js";
import { writeZip } from "./test-utils/zip-writer.js";
import {
  decodeTorchCheckpoint,
  loadWeightsFile,
  mapOfficialNames,
  readOfficialCheckpoint,
  TorchCheckpointError,
  type DecodedTorchCheckpoint,
} from "./torch-checkpoint.js";
import { crc32, openZip } from "./torch-zip.js";
import { createTrm } from "./trm.js";
import { resolveTrmConfig } from "./trm-config.js";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/torch");
const fixture = (name: string) => path.join(fixtures, name);
const bytesOf = (name: string) => new Uint8Array(readFileSync(fixture(name)));

interface Described {
  shape: number[];
  sum: number;
  sha256: string;
}
const expected = JSON.parse(readFileSync(fixture("expected.json"), "utf8")) as Record<string, Record<string, Described>> & {
  "views.pt#values": Record<string, number[]>;
};

const sha256 = (data: ArrayBufferView) => createHash("sha256").update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest("hex");

function expectMatches(decoded: DecodedTorchCheckpoint, want: Record<string, Described>): void {
  expect([...decoded.tensors.keys()].sort()).toEqual(Object.keys(want).sort());
  for (const [name, t] of decoded.tensors) {
    expect(t.shape, name).toEqual(want[name]!.shape);
    expect(sha256(t.data), name).toBe(want[name]!.sha256);
  }
}

/** The error a call throws, asserting it is a TorchCheckpointError. */
function refusal(fn: () => unknown): TorchCheckpointError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TorchCheckpointError);
    return e as TorchCheckpointError;
  }
  throw new Error("expected a TorchCheckpointError, nothing was thrown");
}

describe("decodeTorchCheckpoint on files written by torch.save", () => {
  it("reads the official pretrain.py layout (_orig_mod.model.inner.*, float32 + bfloat16 buffers) bit for bit", () => {
    const decoded = decodeTorchCheckpoint(bytesOf("trm-att.pt"), { source: "trm-att.pt" });
    expect(decoded.layout).toBe("state_dict");
    expect([...decoded.tensors.keys()].every((n) => n.startsWith("_orig_mod.model.inner."))).toBe(true);
    expect(decoded.tensors.get("_orig_mod.model.inner.H_init")!.fileDtype).toBe("BF16");
    expect(decoded.tensors.get("_orig_mod.model.inner.lm_head.weight")!.fileDtype).toBe("F32");
    const { tensors, mapped } = mapOfficialNames(decoded.tensors, "trm-att.pt");
    expect(mapped).toContainEqual(["_orig_mod.model.inner.H_init", "inner.H_init"]);
    const want = decodeSafetensors(bytesOf("trm-att.expected.safetensors")).tensors;
    expect([...tensors.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, t] of tensors) {
      expect(t.shape, name).toEqual(want.get(name)!.shape);
      expect(sha256(t.data), name).toBe(sha256(want.get(name)!.data as Float32Array));
    }
  });

  it("reads the {model, optimizers, step, ema_helper} layout in bfloat16 (pickle protocol 4), model or EMA weights", () => {
    const bytes = bytesOf("trm.bf16.pt");
    const model = decodeTorchCheckpoint(bytes);
    expect(model.layout).toBe("model");
    expect(model.ignored).toEqual(["optimizers", "step", "ema_helper"]);
    expectMatches(model, expected["trm.bf16.pt"]!);
    const ema = decodeTorchCheckpoint(bytes, { weights: "ema" });
    expect(ema.layout).toBe("model+ema_helper");
    expectMatches(ema, expected["trm.bf16.pt#ema"]!);
    expect(sha256(ema.tensors.get("_orig_mod.model.inner.lm_head.weight")!.data)).not.toBe(sha256(model.tensors.get("_orig_mod.model.inner.lm_head.weight")!.data));
  });

  it("reads a deflated archive of a float16 HRM", () => {
    const bytes = bytesOf("hrm.f16.deflated.pt");
    expect([...openZip(bytes, "hrm").entries.values()].every((e) => e.method === 8)).toBe(true);
    const decoded = decodeTorchCheckpoint(bytes);
    expectMatches(decoded, expected["hrm.f16.deflated.pt"]!);
    const { tensors } = mapOfficialNames(decoded.tensors);
    expect(tensors.has("inner.H_level.layers.0.self_attn.qkv_proj.weight")).toBe(true);
    expect(tensors.has("inner.embed_pos.embedding_weight")).toBe(true);
  });

  it("materialises views: storage offsets, transposes, strided columns, float16 and 0-d tensors", () => {
    const decoded = decodeTorchCheckpoint(bytesOf("views.pt"));
    expectMatches(decoded, expected["views.pt"]!);
    for (const [name, values] of Object.entries(expected["views.pt#values"])) {
      expect(Array.from(decoded.tensors.get(name)!.data), name).toEqual(values.map((v) => Math.fround(v)));
    }
    expect(decoded.tensors.get("scalar")!.shape).toEqual([]);
  });
});

describe("official names", () => {
  const t = (n: string) => [n, 0] as const;
  const base = ["inner.H_init", "inner.L_init", "inner.embed_tokens.embedding_weight", "inner.lm_head.weight", "inner.q_head.weight", "inner.q_head.bias", "inner.L_level.layers.0.mlp.gate_up_proj.weight"];

  it("strips _orig_mod. and model. and drops derived buffers", () => {
    const names = [...base.map((n) => `_orig_mod.model.${n}`), "_orig_mod.model.inner.rotary_emb.cos_cached", "model.inner.L_level.layers.1.mlp_t.down_proj.weight"];
    const { tensors, mapped } = mapOfficialNames(new Map(names.map(t)));
    expect([...tensors.keys()]).toEqual([...base, "inner.L_level.layers.1.mlp_t.down_proj.weight"]);
    expect(mapped).toContainEqual(["_orig_mod.model.inner.rotary_emb.cos_cached", null]);
  });

  it("lists every unknown, colliding and missing name in one error", () => {
    const names = ["_orig_mod.model.inner.H_init", "inner.H_init", "inner.lm_head.weight", "inner.L_level.layers.0.mlp.weight", "encoder.fc.weight"];
    const e = refusal(() => mapOfficialNames(new Map(names.map(t)), "x.pt"));
    expect(e.code).toBe("NAMES");
    expect(e.message).toContain('unknown names (not a TRM or HRM parameter): "inner.L_level.layers.0.mlp.weight", "encoder.fc.weight"');
    expect(e.message).toContain('"_orig_mod.model.inner.H_init" and "inner.H_init" both become "inner.H_init"');
    expect(e.message).toContain('missing names: "inner.L_init", "inner.embed_tokens.embedding_weight", "inner.q_head.weight", "inner.q_head.bias", "inner.L_level.layers.*"');
  });
});

// ---- Hostile and broken input --------------------------------------------------------------------------------

const enc = new TextEncoder();
const cat = (...parts: Array<Uint8Array | number[] | string>): Uint8Array => {
  const arrays = parts.map((p) => (typeof p === "string" ? enc.encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
};
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const str = (s: string) => cat([0x58], u32(enc.encode(s).length), s);
const int = (n: number) => (n < 256 ? [0x4b, n] : cat([0x4a], u32(n)));
const long1 = (n: bigint) => {
  const b: number[] = [];
  for (let i = 0; i < 8; i++) b.push(Number((n >> BigInt(8 * i)) & 0xffn));
  return cat([0x8a, 8], b);
};
const tuple = (...items: Uint8Array[]) => cat([0x28], ...items, [0x74]);

/** A pickle of {name: tensor} as torch.save writes it, with every field controllable. */
function statePickle(o: { numel?: Uint8Array; shape?: number[]; stride?: number[]; offset?: number; storage?: string } = {}): Uint8Array {
  const shape = o.shape ?? [2, 2];
  const stride = o.stride ?? [2, 1];
  const pid = tuple(str("storage"), enc.encode(`ctorch\n${o.storage ?? "FloatStorage"}\n`), str("0"), str("cpu"), o.numel ?? Uint8Array.from(int(4)));
  const args = tuple(
    cat(pid, [0x51]),
    Uint8Array.from(int(o.offset ?? 0)),
    tuple(...shape.map((d) => cat(int(d)))),
    tuple(...stride.map((d) => cat(int(d)))),
    Uint8Array.from([0x89]),
    cat("ccollections\nOrderedDict\n", [0x29, 0x52]),
  );
  return cat([0x80, 0x02], "ccollections\nOrderedDict\n", [0x29, 0x52], [0x28], str("w"), "ctorch._utils\n_rebuild_tensor_v2\n", args, [0x52, 0x75, 0x2e]);
}
const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const archive = (pkl: Uint8Array, storage: Uint8Array = f32([1, 2, 3, 4]), options: Parameters<typeof writeZip>[1] = {}) =>
  writeZip([["ckpt/data.pkl", pkl], ["ckpt/data/0", storage], ["ckpt/version", enc.encode("3\n")]], options);

describe("refusals", () => {
  it("the hand-made pickle builder makes a readable checkpoint (so the refusals below test one change each)", () => {
    const d = decodeTorchCheckpoint(archive(statePickle({ stride: [1, 2] })));
    expect(Array.from(d.tensors.get("w")!.data)).toEqual([1, 3, 2, 4]);
  });

  it("refuses a GLOBAL of os.system written by Python's pickle, naming the global and its byte offset", () => {
    const e = refusal(() => decodeTorchCheckpoint(bytesOf("evil-os-system.pt"), { source: "evil.pt" }));
    expect(e.code).toBe("FORBIDDEN_GLOBAL");
    expect(e.message).toMatch(/^evil\.pt:evil\/data\.pkl: byte 2: global "(posix|os)\.system" is not allowed/);
  });

  it("refuses STACK_GLOBAL of builtins.eval, REDUCE of a storage type and every opcode outside the allow-list", () => {
    const stackGlobal = cat([0x80, 0x04], [0x8c, 8], "builtins", [0x8c, 4], "eval", [0x93, 0x2e]);
    expect(refusal(() => decodeTorchCheckpoint(archive(stackGlobal))).message).toContain('byte 18: global "builtins.eval" is not allowed');
    const reduceStorage = cat([0x80, 0x02], "ctorch\nFloatStorage\n", [0x29, 0x52, 0x2e]);
    expect(refusal(() => decodeTorchCheckpoint(archive(reduceStorage))).code).toBe("FORBIDDEN_GLOBAL");
    for (const [op, name] of [[0x69, "INST (0x69 'i')"], [0x81, "NEWOBJ (0x81)"], [0x6f, "OBJ (0x6f 'o')"], [0x50, "PERSID (0x50 'P')"], [0xff, "unknown opcode (0xff)"]] as const) {
      const e = refusal(() => decodeTorchCheckpoint(archive(cat([0x80, 0x02, 0x4e, op, 0x2e]))));
      expect(e.code).toBe("FORBIDDEN_OPCODE");
      expect(e.message).toContain(`byte 3: opcode ${name} is not allowed`);
    }
  });

  it("refuses huge declared sizes before allocating anything", () => {
    const huge = decodeTorchCheckpoint.bind(null);
    // A storage claiming 2^40 elements: its entry holds 16 bytes.
    expect(refusal(() => huge(archive(statePickle({ numel: long1(1n << 40n) })))).message).toContain("holds 16 bytes, but 1099511627776 F32 elements need");
    // A view far larger than its storage (a broadcast), and one reaching past its end.
    expect(refusal(() => huge(archive(statePickle({ shape: [1 << 20, 1 << 20], stride: [0, 0] })))).message).toContain("more elements than its storage");
    expect(refusal(() => huge(archive(statePickle({ stride: [3, 1] })))).message).toContain("reach element 4 of a 4-element storage");
    expect(refusal(() => huge(archive(statePickle({ offset: 3 })))).code).toBe("CORRUPT");
    // A deflated entry declaring 3 GB: more than deflate can produce from its bytes.
    const bomb = archive(statePickle(), f32([1, 2, 3, 4]), { deflate: true, declaredSize: (n, s) => (n.endsWith("data/0") ? 3_000_000_000 : s) });
    expect(refusal(() => huge(bomb)).message).toContain('entry "ckpt/data/0" declares 3000000000 bytes');
    // One declaring fewer bytes than it inflates to: inflation stops at the declared size.
    const short = archive(statePickle(), f32([1, 2, 3, 4]), { deflate: true, declaredSize: (n, s) => (n.endsWith("data/0") ? 8 : s) });
    expect(refusal(() => huge(short)).code).toBe("CORRUPT");
    // Strings and frames longer than the pickle.
    expect(refusal(() => huge(archive(cat([0x80, 0x02, 0x58], u32(0xfffffff0), "x")))).code).toBe("TRUNCATED");
    expect(refusal(() => huge(archive(cat([0x80, 0x04, 0x95], [0, 0, 0, 0, 0, 0, 0, 0x10])))).code).toBe("TRUNCATED");
    // 300 000 items appended at once: read without exhausting the call stack, then refused as no state dict.
    const long = cat([0x80, 0x02, 0x5d, 0x28], new Uint8Array(300_000).fill(0x4e), [0x65, 0x2e]);
    expect(refusal(() => huge(archive(long))).message).toContain("holds no dict of tensors");
  });

  it("names truncated and corrupt archives", () => {
    const bytes = bytesOf("trm-att.pt");
    expect(refusal(() => decodeTorchCheckpoint(new Uint8Array(0))).code).toBe("NOT_A_CHECKPOINT");
    for (const cut of [4, 100, bytes.length >> 1, bytes.length - 30, bytes.length - 1]) {
      const e = refusal(() => decodeTorchCheckpoint(bytes.subarray(0, cut), { source: "cut.pt" }));
      expect(e.code, `cut at ${cut}`).toBe("TRUNCATED");
      expect(e.message).toMatch(/^cut\.pt: /);
    }
    const flipped = bytes.slice();
    const lm = [...openZip(bytes, "x").entries.values()].find((e) => e.name.endsWith("data/9"))!;
    flipped[lm.dataOffset + 5]! ^= 0x40;
    expect(refusal(() => decodeTorchCheckpoint(flipped)).message).toContain("fails its CRC-32 check");
    expect(refusal(() => decodeTorchCheckpoint(cat([0x80, 0x02, 0x7d, 0x2e]))).message).toContain("legacy torch.save format");
    expect(refusal(() => decodeTorchCheckpoint(writeZip([["a/b.txt", enc.encode("hi")]]))).message).toContain("no <name>/data.pkl");
  });

  it("throws only TorchCheckpointError for 150 randomly damaged pickles", () => {
    const zip = openZip(bytesOf("trm-att.pt"), "x");
    const entries = [...zip.entries.keys()].map((n) => [n, zip.read(n).slice()] as const);
    const pklIndex = entries.findIndex(([n]) => n.endsWith("data.pkl"));
    const rng = createRng(7);
    let refused = 0;
    for (let i = 0; i < 150; i++) {
      const pkl = entries[pklIndex]![1].slice();
      for (let k = 0; k < 3; k++) pkl[Math.floor(rng.next() * pkl.length)] = Math.floor(rng.next() * 256);
      const damaged = entries.map(([n, d], j) => [n, j === pklIndex ? pkl : d] as const);
      try {
        decodeTorchCheckpoint(writeZip(damaged));
      } catch (e) {
        expect(e).toBeInstanceOf(TorchCheckpointError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(50);
  });
});

describe("loading official checkpoints into a model", () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
    dir = mkdtempSync(path.join(tmpdir(), "torch-ckpt-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = resolveTrmConfig(JSON.parse(readFileSync(fixture("trm-att.config.json"), "utf8")) as Record<string, unknown>);
  function batch(): Batch {
    const rng = createRng(3);
    const [L, V, rows] = [config.seq_len, config.vocab_size, 3];
    return {
      size: rows,
      seqLen: L,
      inputs: Int32Array.from({ length: rows * L }, () => Math.floor(rng.next() * V)),
      labels: Int32Array.from({ length: rows * L }, () => Math.floor(rng.next() * V)),
      puzzleIdentifiers: Int32Array.from({ length: rows }, (_, r) => r % 3),
    };
  }
  async function logitsAfterTwoSteps(model: RecursiveModel): Promise<Float32Array> {
    const b = batch();
    let carry = model.initialCarry(b);
    let out: Float32Array = new Float32Array(0);
    for (let s = 0; s < 2; s++) {
      const r: StepResult = await model.evalStep(carry, b);
      disposeCarry(carry);
      carry = r.carry;
      out = r.outputs.logits.dataSync() as Float32Array;
      for (const t of [r.outputs.logits, r.outputs.qHalt, r.outputs.qContinue, r.outputs.qContinueTarget]) t?.dispose();
    }
    disposeCarry(carry);
    return out;
  }

  it("a .pt loaded directly, its safetensors conversion and the Python-written safetensors evaluate identically", async () => {
    const before = tf.memory().numTensors;
    const fromPt = createTrm(config, { seed: 1 });
    await loadCheckpointWeights(fromPt, fixture("trm-att.pt"));
    const official = await readOfficialCheckpoint(fixture("trm-att.pt"));
    const converted = path.join(dir, "converted.safetensors");
    await writeSafetensorsFile(converted, official.mappedTensors);
    const fromConverted = createTrm(config, { seed: 2 });
    await loadCheckpointWeights(fromConverted, converted);
    const fromPython = createTrm(config, { seed: 3 });
    await loadCheckpointWeights(fromPython, fixture("trm-att.expected.safetensors"));
    const [a, b, c] = [await logitsAfterTwoSteps(fromPt), await logitsAfterTwoSteps(fromConverted), await logitsAfterTwoSteps(fromPython)];
    expect(a.length).toBe(3 * config.seq_len * config.vocab_size);
    expect(Array.from(a)).toEqual(Array.from(c));
    expect(Array.from(b)).toEqual(Array.from(c));
    for (const m of [fromPt, fromConverted, fromPython]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("loadWeightsFile reads either format by signature and leaks nothing", async () => {
    const before = tf.memory().numTensors;
    const pt = await loadWeightsFile(fixture("trm-att.pt"));
    const st = await loadWeightsFile(fixture("trm-att.expected.safetensors"));
    expect([...pt.keys()].sort()).toEqual([...st.keys()].sort());
    for (const [name, t] of pt) expect(Array.from(t.dataSync()), name).toEqual(Array.from(st.get(name)!.dataSync()));
    for (const t of [...pt.values(), ...st.values()]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(loadWeightsFile(fixture("trm-att.expected.safetensors"), { weights: "ema" })).rejects.toThrow(TorchCheckpointError);
  });
});

describe("crc32", () => {
  it("gives the standard check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
