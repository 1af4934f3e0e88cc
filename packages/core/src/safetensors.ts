import * as tf from "@tensorflow/tfjs-core";

/*
 * The safetensors format, the weight exchange format of PyTorch, JAX and Hugging Face tooling:
 *   [u64 little-endian N] [N bytes of UTF-8 JSON header, space-padded] [raw little-endian tensor data]
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data
 * section) and may hold `__metadata__`, a string -> string map. The data must be covered exactly, without holes.
 */

/** A tensor as this module holds it in memory: row-major data of `prod(shape)` elements. */
export type SafetensorsTensor =
  | { readonly dtype: "F32"; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: "I32"; readonly shape: readonly number[]; readonly data: Int32Array }
  | { readonly dtype: "U8" | "BOOL"; readonly shape: readonly number[]; readonly data: Uint8Array };

/** Dtypes this reader accepts in a file. BF16 and F16 are widened to F32, I64 narrowed to I32 (range-checked). */
export type SafetensorsFileDtype = "F32" | "I32" | "BF16" | "F16" | "I64" | "U8" | "BOOL";

/** A decoded tensor and the dtype it had in the file. */
export type DecodedTensor = SafetensorsTensor & { readonly fileDtype: SafetensorsFileDtype };

export interface DecodedSafetensors {
  /** Tensors in file order. Each owns its own (aligned) buffer: nothing aliases the input bytes. */
  readonly tensors: Map<string, DecodedTensor>;
  /** `__metadata__`, or `{}` when the file has none. */
  readonly metadata: Record<string, string>;
}

export interface DecodeOptions {
  /** Named in every error message: the file path, or any label for in-memory bytes. */
  readonly source?: string;
}

/** A malformed or unsupported safetensors file. The message names the file and, where one is at fault, the tensor. */
export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    readonly tensor: string | null,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${source}${tensor === null ? "" : `: tensor "${tensor}"`}: ${detail}`, options);
    this.name = "SafetensorsError";
  }
}

const ELEMENT_BYTES: Record<SafetensorsFileDtype, number> = { F32: 4, I32: 4, BF16: 2, F16: 2, I64: 8, U8: 1, BOOL: 1 };
const DATA_ARRAY = { F32: Float32Array, I32: Int32Array, U8: Uint8Array, BOOL: Uint8Array } as const;
/** The reference reader's bound: a larger header is a corrupt length field, not a real header. */
const MAX_HEADER_BYTES = 100_000_000;
/** Most tensors one file may hold: a model has hundreds; far more is a corrupt or hostile header. */
export const MAX_SAFETENSORS_TENSORS = 100_000;
// Typed arrays use the host's byte order and safetensors is little-endian; every platform Node runs on is.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new Error("safetensors encoding and decoding need a little-endian host");
}

const isDtype = (d: unknown): d is SafetensorsFileDtype => typeof d === "string" && Object.hasOwn(ELEMENT_BYTES, d);
const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const fmtShape = (shape: readonly number[]): string => `[${shape.join(", ")}]`;

/**
 * Serialises tensors to safetensors bytes, laid out as the reference writer does: tensors sorted by element size
 * (largest first) then name, so every tensor starts aligned to its element size; header padded with spaces to a
 * multiple of 8 bytes. Metadata keys keep their insertion order.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  requireLittleEndian();
  const source = "encodeSafetensors";
  for (const [name, t] of tensors) {
    if (name === "__metadata__") throw new SafetensorsError(source, name, "this name is reserved for metadata");
    const dtype: string = t.dtype;
    if (!Object.hasOwn(DATA_ARRAY, dtype)) throw new SafetensorsError(source, name, `dtype ${dtype} cannot be written (F32, I32, U8, BOOL can)`);
    const ArrayType = DATA_ARRAY[t.dtype];
    if (!(t.data instanceof ArrayType)) {
      throw new SafetensorsError(source, name, `${t.dtype} data must be a ${ArrayType.name}, got ${Object.prototype.toString.call(t.data)}`);
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(source, name, `shape ${fmtShape(t.shape)} must hold non-negative integers`);
    }
    if (t.data.length !== numel(t.shape)) {
      throw new SafetensorsError(source, name, `shape ${fmtShape(t.shape)} needs ${numel(t.shape)} elements, data has ${t.data.length}`);
    }
  }
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new SafetensorsError(source, null, `metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const entries = [...tensors].sort(
    ([an, a], [bn, b]) => ELEMENT_BYTES[b.dtype] - ELEMENT_BYTES[a.dtype] || (an < bn ? -1 : an > bn ? 1 : 0),
  );
  let offset = 0;
  for (const [name, t] of entries) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Parses and validates safetensors bytes. Every error is a {@link SafetensorsError} naming `options.source`. */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): DecodedSafetensors {
  requireLittleEndian();
  const source = options.source ?? "<bytes>";
  const fail = (detail: string, tensor: string | null = null, cause?: unknown): never => {
    throw new SafetensorsError(source, tensor, detail, cause === undefined ? undefined : { cause });
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const headerLen64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLen64} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt file?)`);
  const headerLen = Number(headerLen64);
  if (8 + headerLen > bytes.length) {
    fail(`truncated: header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  }
  let text = "";
  let header: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`, null, e);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header must be a JSON object");
  const fields = header as Record<string, unknown>;
  const count = Object.keys(fields).length - (Object.hasOwn(fields, "__metadata__") ? 1 : 0);
  if (count > MAX_SAFETENSORS_TENSORS) fail(`header lists ${count} tensors, above the limit of ${MAX_SAFETENSORS_TENSORS} (corrupt file?)`);
  // JSON.parse keeps the last of two equal keys silently; a checkpoint with two tensors of one name is corrupt.
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) fail("appears more than once in the header", key);
    seen.add(key);
  }

  const metadata: Record<string, string> = {};
  if (Object.hasOwn(fields, "__metadata__")) {
    const m = fields.__metadata__;
    if (typeof m !== "object" || m === null || Array.isArray(m)) fail("__metadata__ must be an object of strings");
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
      if (typeof v !== "string") fail(`__metadata__ "${k}" must be a string, got ${JSON.stringify(v)}`);
      metadata[k] = v as string;
    }
  }

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  interface Entry { name: string; dtype: SafetensorsFileDtype; shape: number[]; begin: number; end: number }
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(fields)) {
    if (name === "__metadata__") continue;
    if (typeof info !== "object" || info === null) fail("entry must be an object {dtype, shape, data_offsets}", name);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (!isDtype(dtype)) {
      fail(`has dtype ${JSON.stringify(dtype)}, which this reader does not support (supported: ${Object.keys(ELEMENT_BYTES).join(", ")})`, name);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      fail(`shape ${JSON.stringify(shape)} must be an array of non-negative integers`, name);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      fail(`data_offsets ${JSON.stringify(offsets)} must be [begin, end] with non-negative integers`, name);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) {
      fail(`data_offsets [${begin}, ${end}] are out of range: the data section holds ${dataLen} bytes (file truncated?)`, name);
    }
    const d = dtype as SafetensorsFileDtype;
    const s = shape as number[];
    const need = numel(s) * ELEMENT_BYTES[d];
    if (end - begin !== need) fail(`data_offsets [${begin}, ${end}] span ${end - begin} bytes, but ${d} ${fmtShape(s)} needs ${need}`, name);
    entries.push({ name, dtype: d, shape: s, begin, end });
  }
  // The data must be tiled exactly: an overlap means two tensors share bytes, a hole means unindexed bytes.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: string | null = null;
  for (const e of byOffset) {
    if (e.begin < covered) fail(`data_offsets [${e.begin}, ${e.end}] overlap those of "${previous}"`, e.name);
    if (e.begin > covered) fail(`data bytes [${covered}, ${e.begin}) belong to no tensor`, e.name);
    covered = e.end;
    previous = e.name;
  }
  if (covered !== dataLen) fail(`the data section holds ${dataLen} bytes but the tensors cover only ${covered}`);

  const tensors = new Map<string, DecodedTensor>();
  for (const e of entries) {
    const raw = copyBytes(bytes, dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { ...convert(raw, e.dtype, (detail) => fail(detail, e.name)), shape: e.shape, fileDtype: e.dtype });
  }
  return { tensors, metadata };
}

/** A fresh ArrayBuffer (offset 0, so any typed-array view of it is aligned) holding bytes[begin, end). */
function copyBytes(bytes: Uint8Array, begin: number, end: number): ArrayBuffer {
  const out = new Uint8Array(end - begin);
  out.set(bytes.subarray(begin, end));
  return out.buffer;
}

type Converted =
  | { dtype: "F32"; data: Float32Array }
  | { dtype: "I32"; data: Int32Array }
  | { dtype: "U8" | "BOOL"; data: Uint8Array };

function convert(raw: ArrayBuffer, dtype: SafetensorsFileDtype, fail: (detail: string) => never): Converted {
  switch (dtype) {
    case "F32":
      return { dtype, data: new Float32Array(raw) };
    case "I32":
      return { dtype, data: new Int32Array(raw) };
    case "U8":
    case "BOOL":
      return { dtype, data: new Uint8Array(raw) };
    case "BF16": {
      // bfloat16 is the top half of a float32: widening is exact.
      const src = new Uint16Array(raw);
      const bits = new Uint32Array(src.length);
      for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
      return { dtype: "F32", data: new Float32Array(bits.buffer) };
    }
    case "F16":
      return { dtype: "F32", data: f16ToF32(new Uint16Array(raw)) };
    case "I64": {
      // Little-endian int64 = (low word, high word); it fits int32 iff the high word is the sign extension of the low.
      const words = new Int32Array(raw);
      const out = new Int32Array(words.length / 2);
      for (let i = 0; i < out.length; i++) {
        const lo = words[2 * i]!;
        if (words[2 * i + 1] !== lo >> 31) {
          const value = new DataView(raw).getBigInt64(8 * i, true);
          fail(`I64 value ${value} at element ${i} does not fit in int32`);
        }
        out[i] = lo;
      }
      return { dtype: "I32", data: out };
    }
  }
}

/** IEEE half -> single, exactly (every half value is a float32 value); NaN payloads are kept. */
function f16ToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = (sign === 0 ? mant : -mant) * 2 ** -24; // zero and subnormals
    else if (exp === 31) bits[i] = sign | 0x7f800000 | (mant << 13); // Inf, NaN
    else bits[i] = sign | ((exp + 112) << 23) | (mant << 13); // rebias 15 -> 127
  }
  return out;
}

/** The keys of the top-level object of valid JSON text, duplicates included, in order. */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      if (depth === 1) {
        let j = i + 1;
        while (text[j] === " " || text[j] === "\n" || text[j] === "\r" || text[j] === "\t") j++;
        if (text[j] === ":") keys.push(JSON.parse(text.slice(start, i + 1)) as string);
      }
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return keys;
}

/** Decoded tensors as tfjs tensors (F32/BF16/F16 -> float32, I32/I64/U8 -> int32, BOOL -> bool). The caller owns them. */
export function safetensorsToTensors(decoded: DecodedSafetensors): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, t] of decoded.tensors) {
    const shape = [...t.shape];
    if (t.dtype === "F32") out.set(name, tf.tensor(t.data, shape, "float32"));
    else if (t.dtype === "I32") out.set(name, tf.tensor(t.data, shape, "int32"));
    else if (t.dtype === "U8") out.set(name, tf.tensor(Int32Array.from(t.data), shape, "int32"));
    else out.set(name, tf.tensor(t.data, shape, "bool"));
  }
  return out;
}

/** Reads tfjs tensors (float32 -> F32, int32 -> I32, bool -> BOOL) into typed arrays for {@link encodeSafetensors}. */
export async function tensorsToSafetensors(tensors: ReadonlyMap<string, tf.Tensor>, where = "<memory>"): Promise<Map<string, SafetensorsTensor>> {
  for (const [name, t] of tensors) {
    if (t.dtype !== "float32" && t.dtype !== "int32" && t.dtype !== "bool") {
      throw new Error(`Cannot write safetensors file ${where}: tensor "${name}" has dtype ${t.dtype}, expected float32, int32 or bool`);
    }
  }
  const raw = new Map<string, SafetensorsTensor>();
  for (const [name, t] of tensors) {
    const data = await t.data();
    const shape = t.shape;
    if (t.dtype === "float32") raw.set(name, { dtype: "F32", shape, data: data as Float32Array });
    else if (t.dtype === "int32") raw.set(name, { dtype: "I32", shape, data: data as Int32Array });
    else raw.set(name, { dtype: "BOOL", shape, data: data as Uint8Array });
  }
  return raw;
}
