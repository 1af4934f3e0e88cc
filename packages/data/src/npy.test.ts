import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeNpy, encodeNpy } from "./npy.js";
import { readNpy, writeNpy } from "./node.js";

/** A hand-built NPY v1.0 file following the spec: magic, version, little-endian header length, dict, data. */
function npyBytes(dict: string, data: number[], pad = true): Uint8Array {
  let header = dict;
  if (pad) {
    const total = 10 + header.length + 1;
    header += " ".repeat((64 - (total % 64)) % 64);
  }
  header += "\n";
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}

function le(values: number[], bytes: 4 | 8): number[] {
  const buf = new Uint8Array(values.length * bytes);
  const v = new DataView(buf.buffer);
  values.forEach((x, i) => (bytes === 4 ? v.setInt32(i * 4, x, true) : v.setBigInt64(i * 8, BigInt(x), true)));
  return Array.from(buf);
}

describe("npy", () => {
  it("reads uint8 [2,3] as numpy writes it", () => {
    const f = npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", [1, 2, 3, 4, 5, 6]);
    const a = decodeNpy(f);
    expect(a.shape).toEqual([2, 3]);
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("reads int32 and int64 (narrowed to int32), 1-D shapes and unpadded headers", () => {
    const i32 = decodeNpy(npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", le([0, -5, 70000], 4), false));
    expect(i32.data).toBeInstanceOf(Int32Array);
    expect(Array.from(i32.data)).toEqual([0, -5, 70000]);
    const i64 = decodeNpy(npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", le([1, 2, 3, 11], 8)));
    expect(i64.storedDtype).toBe("<i8");
    expect(Array.from(i64.data)).toEqual([1, 2, 3, 11]);
  });

  it("writes byte-identical files to a hand-built v1.0 reference and round-trips", () => {
    const data = Int32Array.from([0, 3, 9]);
    const ours = encodeNpy(data, [3]);
    const ref = npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", le([0, 3, 9], 4));
    expect(Array.from(ours)).toEqual(Array.from(ref));
    expect((ours.length - 12) % 64).toBe(0); // data starts on a 64-byte boundary
    const dir = mkdtempSync(join(tmpdir(), "npy-"));
    const u8 = Uint8Array.from({ length: 2 * 81 }, (_, i) => i % 11);
    writeNpy(join(dir, "a.npy"), u8, [2, 81]);
    const back = readNpy(join(dir, "a.npy"));
    expect(back.shape).toEqual([2, 81]);
    expect(Array.from(back.data)).toEqual(Array.from(u8));
    expect(Array.from(readFileSync(join(dir, "a.npy")))).toEqual(Array.from(encodeNpy(u8, [2, 81])));
  });

  it("refuses a truncated file, other dtypes, Fortran order and a bad magic with clear errors", () => {
    const good = npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", [1, 2, 3, 4, 5, 6]);
    expect(() => decodeNpy(good.subarray(0, good.length - 2), "x/all__inputs.npy")).toThrow(
      /x\/all__inputs\.npy: field "data": expected 6 bytes for shape \(2, 3\) of \|u1, got 4 bytes \(truncated\)/,
    );
    expect(() => decodeNpy(good.subarray(0, 40), "t.npy")).toThrow(/t\.npy: field "header".*truncated/);
    expect(() => decodeNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]), "f.npy")).toThrow(
      /f\.npy: field "descr": expected one of .*got '<f4'/,
    );
    expect(() => decodeNpy(npyBytes("{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]))).toThrow(/'>i4'/);
    expect(() => decodeNpy(npyBytes("{'descr': '|u1', 'fortran_order': True, 'shape': (1,), }", [0]))).toThrow(
      /field "fortran_order": expected False \(C order\), got True/,
    );
    expect(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))).toThrow(/field "magic"/);
    const dir = mkdtempSync(join(tmpdir(), "npy-"));
    writeFileSync(join(dir, "big.npy"), npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", le([2 ** 40], 8)));
    expect(() => readNpy(join(dir, "big.npy"))).toThrow(/fits in int32/);
  });
});
