// Property-based fuzzing of the weight-file parsers of @trm/core: whatever the bytes, `decodeSafetensors` and
// `decodeTorchCheckpoint` either return tensors or throw their own error naming the file; never a raw engine error
// (TypeError, a RangeError from a typed array, a stack overflow) and never a hang.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafetensorsTensor } from "./safetensors.js";
import { decodeTorchCheckpoint, TorchCheckpointError } from "./torch-checkpoint.js";

const RUNS = { numRuns: 200 };
const RAW_ENGINE_TEXT = /Cannot read properties|is not a function|Invalid typed array length|Maximum call stack|is not iterable|out of bounds|undefined \(reading/;

/** Runs `f`; a thrown error must be of class `kind`, name `source` and be free of raw engine text. */
function named(kind: new (...args: never[]) => Error, source: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof kind)) throw new Error(`not a ${kind.name}: ${String(e)}`, { cause: e });
    expect(e.message.startsWith(source)).toBe(true);
    expect(e.message).not.toMatch(RAW_ENGINE_TEXT);
  }
}

/** A safetensors file from a header value (any JSON) and a payload. */
function withHeader(header: unknown, payload: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + payload.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(payload, 8 + text.length);
  return out;
}

const valid = encodeSafetensors(
  new Map<string, SafetensorsTensor>([
    ["a.weight", { dtype: "F32", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    ["b.bias", { dtype: "I32", shape: [2], data: Int32Array.from([7, 8]) }],
    ["c.mask", { dtype: "BOOL", shape: [3], data: Uint8Array.from([1, 0, 1]) }],
  ]),
  { format: "pt" },
);

const dim = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer(), fc.constant(2 ** 53), fc.double(), fc.constant(-1));
const entry = fc.record(
  {
    dtype: fc.oneof(fc.constantFrom("F32", "I32", "BF16", "F16", "I64", "U8", "BOOL", "F64", "f32", ""), fc.jsonValue()),
    shape: fc.oneof(fc.array(dim, { maxLength: 5 }), fc.jsonValue()),
    data_offsets: fc.oneof(fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 })), fc.array(fc.oneof(fc.integer(), fc.double()), { maxLength: 3 }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

describe("weight-file parsers never leak engine errors (fuzz)", () => {
  it("safetensors: random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => named(SafetensorsError, "w.safetensors", () => decodeSafetensors(bytes, { source: "w.safetensors" }))),
      RUNS,
    );
  });

  it("safetensors: headers of arbitrary tensor entries over a random payload", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constant("__metadata__"), fc.constant("__proto__")), entry, { maxKeys: 4 }), fc.jsonValue()),
        fc.uint8Array({ maxLength: 64 }),
        (header, payload) => named(SafetensorsError, "w.safetensors", () => decodeSafetensors(withHeader(header, payload), { source: "w.safetensors" })),
      ),
      RUNS,
    );
  });

  it("safetensors: a valid file with bytes overwritten or cut", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(valid.length), (edits, cut) => {
        const bytes = valid.slice(0, cut);
        for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
        named(SafetensorsError, "w.safetensors", () => decodeSafetensors(bytes, { source: "w.safetensors" }));
      }),
      RUNS,
    );
  });

  it("safetensors: a header length far past the file or over the limit is refused before allocating", () => {
    for (const len of [2n ** 64n - 1n, 2n ** 53n, 200_000_000n, 20n]) {
      const bytes = new Uint8Array(16);
      new DataView(bytes.buffer).setBigUint64(0, len, true);
      expect(() => decodeSafetensors(bytes, { source: "w.safetensors" })).toThrow(SafetensorsError);
    }
  });

  const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/torch");
  const checkpoints = ["views.pt", "trm-att.pt", "evil-os-system.pt"].map((f) => new Uint8Array(readFileSync(path.join(fixtures, f))));

  it("torch.save: random bytes, and bytes that start like a zip", () => {
    const zipStart = Uint8Array.from([0x50, 0x4b, 0x03, 0x04]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, asZip) => {
        const input = asZip ? Uint8Array.from([...zipStart, ...bytes]) : bytes;
        named(TorchCheckpointError, "x.pt", () => decodeTorchCheckpoint(input, { source: "x.pt" }));
      }),
      RUNS,
    );
  });

  it("torch.save: real checkpoints with bytes overwritten or cut (zip directory, pickle, storages)", () => {
    fc.assert(
      fc.property(
        fc.nat(checkpoints.length - 1),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        fc.constantFrom<"model" | "ema">("model", "ema"),
        (which, edits, cut, weights) => {
          const original = checkpoints[which] as Uint8Array;
          const bytes = original.slice(0, cut === null ? original.length : Math.floor(cut * original.length));
          for (const [at, v] of edits) bytes[Math.floor(at * bytes.length)] = v;
          named(TorchCheckpointError, "x.pt", () => decodeTorchCheckpoint(bytes, { source: "x.pt", weights }));
        },
      ),
      RUNS,
    );
  });
});
