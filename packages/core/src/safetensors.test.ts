import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { MAX_SAFETENSORS_TENSORS, SafetensorsError, decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from "./safetensors.js";
import { loadSafetensors, readSafetensorsFile, saveSafetensors } from "./safetensors-file.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const golden = resolve(repoRoot, "../shared/golden");
const goldenFile = join(golden, "trm-att.weights.safetensors");
const hasGolden = existsSync(goldenFile);
if (!hasGolden) console.warn(`skipping golden safetensors tests: ${goldenFile} is absent`);

/** Builds a file by hand: header object, then raw data bytes, with the reference padding. */
function handMade(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify(header));
  if (pad && json.length % 8 !== 0) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const u16 = (...v: number[]): Uint8Array => bytesOf(new Uint16Array(v));
const decodeError = (bytes: Uint8Array): SafetensorsError => {
  try {
    decodeSafetensors(bytes, { source: "x.safetensors" });
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return e as SafetensorsError;
  }
  throw new Error("expected decodeSafetensors to throw");
};

let dir = "";
beforeAll(async () => {
  await useBackend("wasm", { log: null });
  dir = await mkdtemp(join(tmpdir(), "safetensors-test-"));
});
afterAll(async () => {
  await chmod(dir, 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe("encode/decode round trip", () => {
  it("is bit-exact for F32 (NaN payloads, -0, subnormals, infinities) and I32, with metadata", () => {
    const fBits = new Uint32Array([
      0x7fc00000, 0x7fa12345, 0xffc00001, 0x80000000, 0x00000000, 0x00000001, 0x807fffff, 0x00800000, 0x7f800000,
      0xff800000, 0x3f800000, 0x7f7fffff,
    ]);
    const f32 = new Float32Array(fBits.buffer);
    const i32 = new Int32Array([-2147483648, 2147483647, -1, 0, 1, 42]);
    const u8 = new Uint8Array([0, 1, 255]);
    const tensors = new Map<string, SafetensorsTensor>([
      ["w", { dtype: "F32", shape: [3, 4], data: f32 }],
      ["ids", { dtype: "I32", shape: [2, 3], data: i32 }],
      ["flags", { dtype: "U8", shape: [3], data: u8 }],
      ["scalar", { dtype: "F32", shape: [], data: new Float32Array([0.1]) }],
      ["empty", { dtype: "I32", shape: [0, 5], data: new Int32Array(0) }],
    ]);
    const meta = { format: "pt", note: 'quotes " and ünïcode' };
    const { tensors: back, metadata } = decodeSafetensors(encodeSafetensors(tensors, meta));
    expect(metadata).toEqual(meta);
    expect([...back.keys()].sort()).toEqual([...tensors.keys()].sort());
    const w = back.get("w")!;
    expect(w.dtype).toBe("F32");
    expect(w.shape).toEqual([3, 4]);
    expect(Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, 12))).toEqual(Array.from(fBits));
    const ids = back.get("ids")!;
    expect([ids.dtype, ids.fileDtype]).toEqual(["I32", "I32"]);
    expect(Array.from(ids.data)).toEqual(Array.from(i32));
    expect(Array.from(back.get("flags")!.data)).toEqual([0, 1, 255]);
    expect(back.get("scalar")!.shape).toEqual([]);
    expect(back.get("scalar")!.data[0]).toBe(Math.fround(0.1));
    expect(back.get("empty")!.shape).toEqual([0, 5]);
    expect(back.get("empty")!.data.length).toBe(0);
  });

  it("lays out the file as the reference writer: 8-aligned space-padded header, size-then-name order, no holes", () => {
    const bytes = encodeSafetensors(
      new Map<string, SafetensorsTensor>([
        ["b", { dtype: "U8", shape: [3], data: new Uint8Array(3) }],
        ["a", { dtype: "F32", shape: [1], data: new Float32Array(1) }],
        ["c", { dtype: "I32", shape: [2], data: new Int32Array(2) }],
      ]),
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    const json =
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"c":{"dtype":"I32","shape":[2],"data_offsets":[4,12]},' +
      '"b":{"dtype":"U8","shape":[3],"data_offsets":[12,15]}}';
    expect(n).toBe(Math.ceil(json.length / 8) * 8);
    expect(text).toBe(json.padEnd(n, " "));
    expect(bytes.length).toBe(8 + n + 15);
  });

  it("decodes data that sits at an unaligned offset inside a larger buffer", () => {
    const inner = encodeSafetensors(new Map([["x", { dtype: "F32", shape: [2], data: new Float32Array([1.5, -2]) }]]));
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    const x = decodeSafetensors(outer.subarray(3)).tensors.get("x")!;
    expect(Array.from(x.data)).toEqual([1.5, -2]);
  });

  it("rejects what cannot be written, naming the tensor", () => {
    const bad = (t: unknown) => () => encodeSafetensors(new Map([["t", t as SafetensorsTensor]]));
    expect(bad({ dtype: "F64", shape: [1], data: new Float64Array(1) })).toThrow(/tensor "t": dtype F64 cannot be written/);
    expect(bad({ dtype: "F32", shape: [1], data: new Int32Array(1) })).toThrow(/F32 data must be a Float32Array/);
    expect(bad({ dtype: "F32", shape: [2, 2], data: new Float32Array(3) })).toThrow(/shape \[2, 2\] needs 4 elements, data has 3/);
  });
});

describe("decoding other dtypes", () => {
  it("widens BF16 to F32 exactly", () => {
    const bytes = handMade(
      { b: { dtype: "BF16", shape: [7], data_offsets: [0, 14] } },
      u16(0x3f80, 0xc040, 0x3fc0, 0x4049, 0x7f80, 0x0001, 0x8000),
    );
    const b = decodeSafetensors(bytes).tensors.get("b")!;
    expect([b.dtype, b.fileDtype]).toEqual(["F32", "BF16"]);
    // 0x0001 is the smallest bf16 subnormal, 2^-133; 0x4049 is 3.140625.
    expect(Array.from(b.data)).toEqual([1, -3, 1.5, 3.140625, Infinity, 2 ** -133, -0]);
    expect(Object.is(b.data[6], -0)).toBe(true);
  });

  it("widens F16 to F32 exactly, subnormals and specials included", () => {
    const h = [0x3c00, 0xc000, 0x3555, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00, 0xfc00, 0x8000, 0x7e00];
    const bytes = handMade({ h: { dtype: "F16", shape: [h.length], data_offsets: [0, 2 * h.length] } }, u16(...h));
    const v = Array.from(decodeSafetensors(bytes).tensors.get("h")!.data);
    expect(v.slice(0, 10)).toEqual([1, -2, 0.333251953125, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, Infinity, -Infinity, -0]);
    expect(Object.is(v[9], -0)).toBe(true);
    expect(v[10]).toBeNaN();
  });

  it("narrows I64 to I32 and rejects values outside int32, naming tensor, value and file", () => {
    const ok = new BigInt64Array([-1n, 0n, 2147483647n, -2147483648n, 7n]);
    const t = decodeSafetensors(handMade({ i: { dtype: "I64", shape: [5], data_offsets: [0, 40] } }, bytesOf(ok))).tensors.get("i")!;
    expect([t.dtype, t.fileDtype]).toEqual(["I32", "I64"]);
    expect(Array.from(t.data)).toEqual([-1, 0, 2147483647, -2147483648, 7]);
    const big = new BigInt64Array([1n, 2147483648n]);
    const err = decodeError(handMade({ i: { dtype: "I64", shape: [2], data_offsets: [0, 16] } }, bytesOf(big)));
    expect(err.message).toBe('x.safetensors: tensor "i": I64 value 2147483648 at element 1 does not fit in int32');
  });

  it("reads BOOL and U8 as bytes", () => {
    const t = decodeSafetensors(
      handMade({ m: { dtype: "BOOL", shape: [3], data_offsets: [0, 3] }, u: { dtype: "U8", shape: [1], data_offsets: [3, 4] } }, new Uint8Array([1, 0, 1, 200])),
    ).tensors;
    expect([t.get("m")!.dtype, ...t.get("m")!.data]).toEqual(["BOOL", 1, 0, 1]);
    expect([t.get("u")!.dtype, ...t.get("u")!.data]).toEqual(["U8", 200]);
  });

  it("names tensor, dtype and file for an unsupported dtype", () => {
    const err = decodeError(handMade({ d: { dtype: "F64", shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)));
    expect(err.tensor).toBe("d");
    expect(err.message).toMatch(/^x\.safetensors: tensor "d": has dtype "F64", which this reader does not support \(supported: F32, I32, BF16, F16, I64, U8, BOOL\)$/);
  });
});

describe("validation", () => {
  const good = encodeSafetensors(new Map([["w", { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) }]]));

  it("reports a truncated file", () => {
    expect(decodeError(good.subarray(0, 5)).message).toBe("x.safetensors: truncated: 5 bytes, too short for the 8-byte header length");
    expect(decodeError(good.subarray(0, 20)).message).toMatch(/^x\.safetensors: truncated: header length \d+ runs past the end of the file \(20 bytes\)$/);
    const cut = decodeError(good.subarray(0, good.length - 1));
    expect(cut.tensor).toBe("w");
    expect(cut.message).toMatch(/data_offsets \[0, 8\] are out of range: the data section holds 7 bytes \(file truncated\?\)/);
  });

  it("reports a bad header", () => {
    const bad = new Uint8Array(good);
    bad[9] = 0x7b; // '{"' -> '{{'
    expect(decodeError(bad).message).toMatch(/^x\.safetensors: header is not valid UTF-8 JSON: /);
    expect(decodeError(handMade([1, 2], new Uint8Array(0))).message).toBe("x.safetensors: header must be a JSON object");
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(decodeError(huge).message).toMatch(/header length 1099511627776 exceeds/);
    expect(decodeError(handMade({ __metadata__: { a: 1 } }, new Uint8Array(0))).message).toMatch(/__metadata__ "a" must be a string, got 1/);
  });

  it("reports offsets that overlap, leave holes, or do not match shape x dtype", () => {
    const data = new Uint8Array(16);
    const overlap = decodeError(
      handMade({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, data.subarray(0, 12)),
    );
    expect(overlap.message).toBe('x.safetensors: tensor "b": data_offsets [4, 12] overlap those of "a"');
    const hole = decodeError(handMade({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, data.subarray(0, 8)));
    expect(hole.message).toBe('x.safetensors: tensor "a": data bytes [0, 4) belong to no tensor');
    const trailing = decodeError(handMade({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, data.subarray(0, 8)));
    expect(trailing.message).toBe("x.safetensors: the data section holds 8 bytes but the tensors cover only 4");
    const size = decodeError(handMade({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, data.subarray(0, 8)));
    expect(size.message).toBe('x.safetensors: tensor "a": data_offsets [0, 8] span 8 bytes, but F32 [3] needs 12');
    const range = decodeError(handMade({ a: { dtype: "F32", shape: [4], data_offsets: [8, 24] } }, data));
    expect(range.message).toMatch(/tensor "a": data_offsets \[8, 24\] are out of range: the data section holds 16 bytes/);
    const shape = decodeError(handMade({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, data.subarray(0, 4)));
    expect(shape.message).toMatch(/tensor "a": shape \[-1\] must be an array of non-negative integers/);
  });

  it("reports duplicate names that JSON.parse would silently merge", () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const json = new TextEncoder().encode(`{"w":${entry},"k":{"w":1},"w" :${entry}}`.padEnd(104, " "));
    const bytes = new Uint8Array(8 + json.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    const err = decodeError(bytes);
    expect(err.message).toBe('x.safetensors: tensor "w": appears more than once in the header');
  });
});

describe("files", () => {
  it("saves tf tensors and loads them back bit-exactly, leaking nothing and leaving no temp file", async () => {
    const path = join(dir, "rt.safetensors");
    const before = tf.memory().numTensors;
    const f = new Float32Array(new Uint32Array([0x7fa00001, 0x80000000, 0x00000001, 0x3f800000]).buffer);
    const a = tf.tensor(f, [2, 2], "float32");
    const b = tf.tensor([5, -6, 7], [3], "int32");
    await saveSafetensors(path, new Map([["a", a], ["b", b]]), { step: "3" });
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect((await readSafetensorsFile(path)).metadata).toEqual({ step: "3" });
    const loaded = await loadSafetensors(path);
    expect(tf.memory().numTensors).toBe(before + 2);
    const la = loaded.get("a")!;
    expect([la.dtype, ...la.shape]).toEqual(["float32", 2, 2]);
    expect(Array.from(new Uint32Array((la.dataSync() as Float32Array).slice().buffer))).toEqual([0x7fa00001, 0x80000000, 0x00000001, 0x3f800000]);
    const lb = loaded.get("b")!;
    expect([lb.dtype, ...lb.dataSync()]).toEqual(["int32", 5, -6, 7]);
    for (const t of loaded.values()) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(await readdir(dir)).toEqual(["rt.safetensors"]);
  });

  it("overwrites atomically; when the rename fails the previous file stays and the temp file is removed", async () => {
    const sub = join(dir, "atomic");
    await mkdir(sub);
    const path = join(sub, "w.safetensors");
    const one = new Map([["x", tf.tensor([1], [1])]]);
    const two = new Map([["x", tf.tensor([2], [1])]]);
    await saveSafetensors(path, one);
    await saveSafetensors(path, two);
    expect(Array.from((await readSafetensorsFile(path)).tensors.get("x")!.data)).toEqual([2]);
    // A non-empty directory at the target: the temp file is written, then rename fails.
    const blocked = join(sub, "blocked");
    await mkdir(blocked);
    await writeFile(join(blocked, "keep"), "previous");
    await expect(saveSafetensors(blocked, one)).rejects.toThrow(new RegExp(`^Cannot write safetensors file ${blocked}: E(ISDIR|NOTEMPTY|EXIST)`));
    expect(await readFile(join(blocked, "keep"), "utf8")).toBe("previous");
    expect((await readdir(sub)).sort()).toEqual(["blocked", "w.safetensors"]);
    for (const t of [...one.values(), ...two.values()]) t.dispose();
  });

  it("fails clearly when the parent of the path is a file", async () => {
    const file = join(dir, "plain-file");
    await writeFile(file, "not a directory");
    const x = tf.tensor([1], [1]);
    await expect(saveSafetensors(join(file, "w.safetensors"), new Map([["x", x]]))).rejects.toThrow(
      `Cannot write safetensors file ${join(file, "w.safetensors")}: ENOTDIR`,
    );
    x.dispose();
    expect(await readFile(file, "utf8")).toBe("not a directory");
  });

  it("fails clearly in a read-only directory and leaves the previous file intact", async (ctx) => {
    const ro = join(dir, "read-only");
    await mkdir(ro);
    const path = join(ro, "w.safetensors");
    const x = tf.tensor([1, 2], [2]);
    await saveSafetensors(path, new Map([["x", x]]));
    const previous = await readFile(path);
    await chmod(ro, 0o555);
    const probe = join(ro, "probe");
    const writable = await writeFile(probe, "").then(
      () => true,
      () => false,
    );
    if (writable) {
      await rm(probe);
      await chmod(ro, 0o755);
      x.dispose();
      console.warn("skipping the read-only directory test: chmod does not stop this user (root) from writing");
      ctx.skip();
      return;
    }
    await expect(saveSafetensors(path, new Map([["x", x]]))).rejects.toThrow(`Cannot write safetensors file ${path}: EACCES`);
    await chmod(ro, 0o755);
    x.dispose();
    expect(await readFile(path)).toEqual(previous);
    expect(await readdir(ro)).toEqual(["w.safetensors"]);
  });

  it("names the path when a file cannot be read", async () => {
    const path = join(dir, "nope.safetensors");
    await expect(loadSafetensors(path)).rejects.toThrow(`${path}: cannot read: ENOENT`);
  });

  it("rejects a tf dtype it cannot store before touching the file", async () => {
    const path = join(dir, "c.safetensors");
    const c = tf.tensor(["a"], [1], "string");
    await expect(saveSafetensors(path, new Map([["c", c]]))).rejects.toThrow(`Cannot write safetensors file ${path}: tensor "c" has dtype string`);
    c.dispose();
    expect(existsSync(path)).toBe(false);
  });
});

describe("golden checkpoints", () => {
  it.skipIf(!hasGolden)("decodes trm-att with official names, and re-encodes it byte for byte", async () => {
    const bytes = await readFile(goldenFile);
    const { tensors, metadata } = await readSafetensorsFile(goldenFile);
    const names = [...tensors.keys()];
    expect(names.every((n) => n.startsWith("inner."))).toBe(true);
    expect(names).toEqual(expect.arrayContaining(["inner.H_init", "inner.L_init", "inner.q_head.bias", "inner.puzzle_emb.weights"]));
    expect(tensors.get("inner.puzzle_emb.weights")!.shape).toEqual([3, 64]);
    expect(tensors.get("inner.L_level.layers.0.mlp.gate_up_proj.weight")!.shape).toEqual([512, 64]);
    expect(JSON.parse(metadata.config!)).toMatchObject({ hidden_size: 64, model: "trm" });
    expect(Buffer.from(encodeSafetensors(tensors, metadata)).equals(bytes)).toBe(true);
  });

  it.skipIf(!hasGolden)("decodes every golden weights file", async () => {
    for (const name of ["trm-att", "trm-mlp", "hrm"]) {
      const { tensors } = await readSafetensorsFile(join(golden, `${name}.weights.safetensors`));
      expect(tensors.size).toBeGreaterThan(5);
      for (const [n, t] of tensors) {
        expect(n.startsWith("inner.")).toBe(true);
        expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        expect(t.data.every((v) => Number.isFinite(v))).toBe(true);
      }
    }
  });
});

describe("safetensors size bound", () => {
  it("refuses a header listing more tensors than the limit before decoding any", () => {
    const header: Record<string, unknown> = {};
    for (let i = 0; i <= MAX_SAFETENSORS_TENSORS; i++) header[`t${i}`] = { dtype: "F32", shape: [0], data_offsets: [0, 0] };
    const json = new TextEncoder().encode(JSON.stringify(header));
    const bytes = new Uint8Array(8 + json.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    expect(() => decodeSafetensors(bytes, { source: "many.safetensors" })).toThrow(
      `many.safetensors: header lists ${MAX_SAFETENSORS_TENSORS + 1} tensors, above the limit of ${MAX_SAFETENSORS_TENSORS}`,
    );
  });
});
