import { DataError } from "./errors.js";

/**
 * NPY (format v1.0, and v2.0/3.0 on read) for the dtypes the official dataset layout uses: uint8 token arrays and
 * int32 index arrays. int64 is accepted on read because the official Sudoku builder's augmentation maps digits through
 * an int64 table, so `all__inputs.npy` of an augmented Sudoku build is int64; it is narrowed to int32 (values checked).
 * Anything else (floats, big-endian, Fortran order) is refused with a clear error rather than misread.
 */
export type NpyArray = Uint8Array | Int32Array;

export interface Npy<A extends NpyArray = NpyArray> {
  readonly shape: readonly number[];
  readonly data: A;
  /** dtype as stored in the file (`|u1`, `<i4`, `<i8`). */
  readonly storedDtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function decodeNpy(bytes: Uint8Array, file = "<buffer>"): Npy {
  const bad = (field: string, expected: string, got?: string): DataError =>
    new DataError({ file, field, expected, ...(got === undefined ? {} : { got }) });
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw bad("magic", "an NPY file starting with \\x93NUMPY", `${bytes.length} bytes`);
  }
  const major = bytes[6] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad("header", "a complete v2 header", `${bytes.length} bytes`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw bad("version", "NPY format version 1, 2 or 3", String(major));
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw bad("header", `${headerLen} header bytes`, `a file of ${bytes.length} bytes (truncated)`);
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(headerStart, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw bad("header", "a dict with 'descr', 'fortran_order' and 'shape'", header.trim());
  }
  if (fortran === "True") throw bad("fortran_order", "False (C order)", "True");
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ""));
      if (!Number.isInteger(n) || n < 0) throw bad("shape", "non-negative integers", shapeText);
      return n;
    });
  const count = shape.reduce((a, b) => a * b, 1);

  const itemSize = { "|u1": 1, "<u1": 1, "<i4": 4, "<i8": 8 }[descr];
  if (itemSize === undefined) {
    throw bad("descr", "one of '|u1' (uint8), '<i4' (int32), '<i8' (int64, read as int32)", `'${descr}'`);
  }
  const need = count * itemSize;
  if (bytes.length - dataStart < need) {
    throw bad("data", `${need} bytes for shape (${shape.join(", ")}) of ${descr}`, `${bytes.length - dataStart} bytes (truncated)`);
  }
  if (bytes.length - dataStart > need) {
    throw bad("data", `${need} bytes for shape (${shape.join(", ")}) of ${descr}`, `${bytes.length - dataStart} bytes (trailing data)`);
  }
  if (itemSize === 1) {
    // A plain Uint8Array copy (not a Buffer view of the whole file).
    const data = new Uint8Array(need);
    data.set(bytes.subarray(dataStart, dataStart + need));
    return { shape, data, storedDtype: descr };
  }
  const out = new Int32Array(count);
  if (itemSize === 4) {
    for (let i = 0; i < count; i++) out[i] = view.getInt32(dataStart + 4 * i, true);
  } else {
    for (let i = 0; i < count; i++) {
      const v = view.getBigInt64(dataStart + 8 * i, true);
      if (v < -2147483648n || v > 2147483647n) throw bad(`data[${i}]`, "an int64 value that fits in int32", String(v));
      out[i] = Number(v);
    }
  }
  return { shape, data: out, storedDtype: descr };
}

/** The NPY v1.0 header for `array`, padded so the data starts on a 64-byte boundary (as numpy does). */
export function npyHeader(data: NpyArray, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeNpy: shape (${shape.join(", ")}) holds ${count} values, data has ${data.length}`);
  const descr = data instanceof Uint8Array ? "|u1" : "<i4";
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + dict.length + 1;
  dict += " ".repeat((64 - (total % 64)) % 64) + "\n";
  if (dict.length > 0xffff) throw new RangeError("encodeNpy: header too long for NPY v1.0");
  const out = new Uint8Array(10 + dict.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  return out;
}

/** The little-endian bytes of `data`. */
export function dataBytes(data: NpyArray): Uint8Array {
  if (data instanceof Uint8Array) return data;
  // Little-endian regardless of the host.
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setInt32(4 * i, data[i] ?? 0, true);
  return out;
}

export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const header = npyHeader(data, shape);
  const body = dataBytes(data);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}
