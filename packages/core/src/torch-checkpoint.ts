import { open, readFile } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs-core";
import { loadSafetensors } from "./safetensors-file.js";
import { stripPrefix } from "./state-dict.js";
import {
  PickleDict,
  TorchCheckpointError,
  unpickleTorch,
  type PickleKey,
  type PickleValue,
  type TorchDtype,
  type TorchTensorRef,
} from "./torch-pickle.js";
import { looksLikeZip, openZip, type ZipArchive } from "./torch-zip.js";

export { TorchCheckpointError, type TorchCheckpointErrorCode } from "./torch-pickle.js";

/*
 * Official PyTorch checkpoints (`torch.save` zip archives: `<name>/data.pkl` + `<name>/data/<key>` storages) read
 * without executing anything: the pickle goes through the restricted reader of torch-pickle.ts, and each tensor is
 * copied out of its storage (float32, float16 and bfloat16 become float32; any strides and storage offset).
 */

/** Which weights of a checkpoint to read. `ema`: the EMA shadow of the newer official layout over its `model`. */
export type TorchWeightsChoice = "model" | "ema";

export interface TorchDecodeOptions {
  /** Named in every error message: the file path, or any label for in-memory bytes. */
  readonly source?: string;
  /** Default `model`. */
  readonly weights?: TorchWeightsChoice;
}

/** One tensor of a checkpoint, widened to float32; `fileDtype` is its dtype in the file. */
export interface DecodedTorchTensor {
  readonly dtype: "F32";
  readonly shape: readonly number[];
  readonly data: Float32Array;
  readonly fileDtype: "F32" | "F16" | "BF16";
}

export interface DecodedTorchCheckpoint {
  /** The state dict's tensors under their names in the file, as float32, in file order. */
  readonly tensors: Map<string, DecodedTorchTensor>;
  /**
   * Where the tensors came from: `state_dict` (the file is a state dict, as the official code saves it), `model`
   * (the `model` entry of a {model, optimizers, step, ...} checkpoint) or `model+ema_helper`.
   */
  readonly layout: "state_dict" | "model" | "model+ema_helper";
  /** Top-level entries that were not read (e.g. `optimizers`, `step`). */
  readonly ignored: readonly string[];
}

const FLOAT_DTYPES: ReadonlySet<TorchDtype> = new Set(["F32", "F16", "BF16"]);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const isTensor = (v: PickleValue): v is TorchTensorRef =>
  typeof v === "object" && v !== null && "kind" in v && v.kind === "tensor";
const keyText = (k: PickleKey): string => (typeof k === "string" ? k : String(k));

/** True for the bytes of a `torch.save` zip archive (checked by signature, not by file name). */
export function isTorchCheckpoint(bytes: Uint8Array): boolean {
  return looksLikeZip(bytes);
}

/** Decodes `torch.save` bytes into float32 tensors. Every error is a {@link TorchCheckpointError} naming the source. */
export function decodeTorchCheckpoint(bytes: Uint8Array, options: TorchDecodeOptions = {}): DecodedTorchCheckpoint {
  const source = options.source ?? "<bytes>";
  const fail = (code: "CORRUPT" | "UNSUPPORTED" | "NOT_A_CHECKPOINT", detail: string): never => {
    throw new TorchCheckpointError(code, source, detail);
  };
  if (!LITTLE_ENDIAN) fail("UNSUPPORTED", "reading torch checkpoints needs a little-endian host");
  if (!looksLikeZip(bytes)) {
    if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
      fail("UNSUPPORTED", "this is the legacy torch.save format (before PyTorch 1.6, or _use_new_zipfile_serialization=False); re-save it with a current PyTorch");
    }
    fail("NOT_A_CHECKPOINT", "not a torch.save archive (no zip signature)");
  }
  const zip = openZip(bytes, source);
  const pickles = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    fail("NOT_A_CHECKPOINT", pickles.length === 0 ? "the archive has no <name>/data.pkl: not a torch.save archive" : `the archive has ${pickles.length} data.pkl entries`);
  }
  const prefix = pickles[0]!.slice(0, -"data.pkl".length);
  const byteorder = zip.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : "little";
  if (byteorder !== "little") fail("UNSUPPORTED", `storages are ${byteorder}-endian; only little-endian checkpoints are read`);
  const root = unpickleTorch(zip.read(pickles[0]!), { source: `${source}:${pickles[0]}` });

  const { dict, layout, ignored } = selectStateDict(root, options.weights ?? "model", fail);
  const tensors = new Map<string, DecodedTorchTensor>();
  const storageCache = new Map<string, Uint8Array>();
  for (const [name, ref] of dict) tensors.set(name, materialise(zip, prefix, name, ref, storageCache, source));
  return { tensors, layout, ignored };
}

/** Finds the state dict in an unpickled checkpoint: the root itself, or its `model` entry (and `ema_helper`). */
function selectStateDict(
  root: PickleValue,
  weights: TorchWeightsChoice,
  fail: (code: "CORRUPT" | "UNSUPPORTED" | "NOT_A_CHECKPOINT", detail: string) => never,
): { dict: Map<string, TorchTensorRef>; layout: DecodedTorchCheckpoint["layout"]; ignored: string[] } {
  if (!(root instanceof PickleDict)) return fail("NOT_A_CHECKPOINT", "the pickle holds no dict of tensors");
  const tensorsOf = (d: PickleDict, where: string): Map<string, TorchTensorRef> => {
    const out = new Map<string, TorchTensorRef>();
    for (const [k, v] of d.entries) {
      if (typeof k !== "string") return fail("UNSUPPORTED", `${where} has a non-string key ${String(k)}`);
      if (!isTensor(v)) return fail("UNSUPPORTED", `${where} entry "${k}" is not a tensor`);
      out.set(k, v);
    }
    return out;
  };
  const values = [...root.entries.values()];
  if (values.length > 0 && values.every(isTensor)) {
    if (weights === "ema") fail("NOT_A_CHECKPOINT", "the file is a plain state dict: it holds no ema_helper weights");
    return { dict: tensorsOf(root, "the state dict"), layout: "state_dict", ignored: [] };
  }
  const model = root.entries.get("model");
  if (!(model instanceof PickleDict)) {
    const keys = [...root.entries.keys()].map(keyText);
    return fail("NOT_A_CHECKPOINT", `neither a state dict of tensors nor a {"model": state dict, ...} checkpoint (top-level keys: ${keys.join(", ") || "none"})`);
  }
  const dict = tensorsOf(model, '"model"');
  const ignored = [...root.entries.keys()].map(keyText).filter((k) => k !== "model" && !(weights === "ema" && k === "ema_helper"));
  if (weights === "model") return { dict, layout: "model", ignored };
  const ema = root.entries.get("ema_helper");
  if (!(ema instanceof PickleDict)) return fail("NOT_A_CHECKPOINT", 'the checkpoint has no "ema_helper" dict of EMA weights');
  const shadow = tensorsOf(ema, '"ema_helper"');
  for (const name of shadow.keys()) if (!dict.has(name)) fail("CORRUPT", `"ema_helper" holds "${name}", which "model" lacks`);
  // The shadow covers the trained parameters; buffers (H_init, L_init, the puzzle table) come from the model.
  for (const [name, t] of shadow) dict.set(name, t);
  return { dict, layout: "model+ema_helper", ignored };
}

/** Copies one tensor out of its storage into a fresh float32 array, honouring offset and strides (bounds-checked). */
function materialise(
  zip: ZipArchive,
  prefix: string,
  name: string,
  ref: TorchTensorRef,
  cache: Map<string, Uint8Array>,
  source: string,
): DecodedTorchTensor {
  const fail = (code: "CORRUPT" | "UNSUPPORTED", detail: string): never => {
    throw new TorchCheckpointError(code, source, `tensor "${name}": ${detail}`);
  };
  const { storage, offset, shape, stride } = ref;
  if (!FLOAT_DTYPES.has(storage.dtype)) fail("UNSUPPORTED", `dtype ${storage.dtype} (only float32, float16 and bfloat16 weights are read)`);
  const entryName = `${prefix}data/${storage.key}`;
  const entry = zip.entries.get(entryName);
  if (entry === undefined) return fail("CORRUPT", `its storage "${entryName}" is missing from the archive`);
  if (entry.size !== storage.numel * storage.elementBytes) {
    fail("CORRUPT", `storage "${storage.key}" holds ${entry.size} bytes, but ${storage.numel} ${storage.dtype} elements need ${storage.numel * storage.elementBytes}`);
  }
  let numel = 1;
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    numel *= shape[d]!;
    last += (shape[d]! - 1) * stride[d]!;
  }
  if (!Number.isSafeInteger(numel) || numel > storage.numel) {
    fail("UNSUPPORTED", `shape [${shape.join(", ")}] has more elements than its storage (${storage.numel}): broadcast views are not read`);
  }
  if (numel > 0 && last >= storage.numel) {
    fail("CORRUPT", `offset ${offset}, shape [${shape.join(", ")}] and stride [${stride.join(", ")}] reach element ${last} of a ${storage.numel}-element storage`);
  }
  let raw = cache.get(storage.key);
  if (raw === undefined) {
    raw = zip.read(entryName);
    cache.set(storage.key, raw);
  }
  const out = new Float32Array(numel);
  if (numel === 0) return { dtype: "F32", shape: [...shape], data: out, fileDtype: storage.dtype as DecodedTorchTensor["fileDtype"] };
  // A fresh aligned copy of the elements [first, last] the view touches; then gather by strides.
  const first = offset;
  const span = new Uint8Array((last - first + 1) * storage.elementBytes);
  span.set(raw.subarray(first * storage.elementBytes, (last + 1) * storage.elementBytes));
  const elements = widen(span.buffer, storage.dtype);
  const contiguous = shape.every((_, d) => stride[d] === shape.slice(d + 1).reduce((a, b) => a * b, 1) || shape[d] === 1);
  if (contiguous) out.set(elements.subarray(0, numel));
  else {
    const index = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < numel; i++) {
      let at = 0;
      for (let d = 0; d < shape.length; d++) at += index[d]! * stride[d]!;
      out[i] = elements[at]!;
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++index[d]! < shape[d]!) break;
        index[d] = 0;
      }
    }
  }
  return { dtype: "F32", shape: [...shape], data: out, fileDtype: storage.dtype as DecodedTorchTensor["fileDtype"] };
}

/** float32 / float16 / bfloat16 little-endian elements -> float32, exactly. */
function widen(buffer: ArrayBuffer, dtype: TorchDtype): Float32Array {
  if (dtype === "F32") return new Float32Array(buffer);
  const src = new Uint16Array(buffer);
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  if (dtype === "BF16") {
    for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
    return out;
  }
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = (sign === 0 ? mant : -mant) * 2 ** -24;
    else if (exp === 31) bits[i] = sign | 0x7f800000 | (mant << 13);
    else bits[i] = sign | ((exp + 112) << 23) | (mant << 13);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Official names -> this project's names

/** Names this project's TRM and HRM models use (the official inner-model names). */
const KNOWN_NAME =
  /^inner\.(?:H_init|L_init|embed_tokens\.embedding_weight|embed_pos\.embedding_weight|lm_head\.weight|q_head\.(?:weight|bias)|puzzle_emb\.weights|[HL]_level\.layers\.\d+\.(?:self_attn\.(?:qkv_proj|o_proj)|mlp\.(?:gate_up_proj|down_proj)|mlp_t\.(?:gate_up_proj|down_proj))\.weight)$/;
/** Official buffers that are derived at run time (not weights): dropped when present. */
const DERIVED_NAME = /^inner\.(?:rotary_emb\.(?:cos_cached|sin_cached)|puzzle_emb\.(?:local_weights|local_ids))$/;
/** Names every TRM and HRM checkpoint holds. */
const REQUIRED_NAMES = ["inner.H_init", "inner.L_init", "inner.embed_tokens.embedding_weight", "inner.lm_head.weight", "inner.q_head.weight", "inner.q_head.bias"];

export interface OfficialNameMapping<T> {
  /** The tensors under this project's names, in file order. */
  readonly tensors: Map<string, T>;
  /** Every name in the file and what it became (`null`: dropped, a derived buffer). */
  readonly mapped: ReadonlyArray<readonly [from: string, to: string | null]>;
}

/**
 * Maps official checkpoint names to this project's: wrapper prefixes of the official training code (`_orig_mod.` of
 * torch.compile, `model.` of the loss head) are removed, giving the inner model's `inner.*` names; derived buffers
 * (RoPE tables, the sparse embedding's scratch rows) are dropped. Unknown names, names that collide once the prefixes
 * are removed, and missing required ones are reported together in one {@link TorchCheckpointError} (code `NAMES`).
 */
export function mapOfficialNames<T>(tensors: ReadonlyMap<string, T>, source = "checkpoint"): OfficialNameMapping<T> {
  const out = new Map<string, T>();
  const from = new Map<string, string>();
  const mapped: Array<readonly [string, string | null]> = [];
  const unknown: string[] = [];
  const collisions: string[] = [];
  for (const [name, t] of tensors) {
    const to = stripPrefix(name);
    if (DERIVED_NAME.test(to)) {
      mapped.push([name, null]);
      continue;
    }
    if (!KNOWN_NAME.test(to)) {
      unknown.push(name);
      continue;
    }
    const other = from.get(to);
    if (other !== undefined) collisions.push(`"${other}" and "${name}" both become "${to}"`);
    from.set(to, name);
    out.set(to, t);
    mapped.push([name, to]);
  }
  const missing = REQUIRED_NAMES.filter((n) => !out.has(n));
  if (![...out.keys()].some((n) => n.startsWith("inner.L_level.layers."))) missing.push("inner.L_level.layers.*");
  if (unknown.length > 0 || collisions.length > 0 || missing.length > 0) {
    const parts: string[] = [];
    if (unknown.length > 0) parts.push(`unknown names (not a TRM or HRM parameter): ${unknown.map((n) => `"${n}"`).join(", ")}`);
    if (collisions.length > 0) parts.push(`colliding names: ${collisions.join("; ")}`);
    if (missing.length > 0) parts.push(`missing names: ${missing.map((n) => `"${n}"`).join(", ")}`);
    throw new TorchCheckpointError("NAMES", source, `the checkpoint's names do not map to a TRM/HRM state dict: ${parts.join("; ")}`);
  }
  return { tensors: out, mapped };
}

// ---------------------------------------------------------------------------------------------------------------
// Files

export interface ReadTorchCheckpointOptions {
  readonly weights?: TorchWeightsChoice;
}

export interface OfficialCheckpoint extends DecodedTorchCheckpoint {
  /** The tensors under this project's names (`inner.*`). */
  readonly mappedTensors: Map<string, DecodedTorchTensor>;
  readonly mapped: OfficialNameMapping<DecodedTorchTensor>["mapped"];
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new TorchCheckpointError("NOT_A_CHECKPOINT", path, `cannot read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** True when the file starts with a zip signature (a `torch.save` archive); false for safetensors and short files. */
export async function isTorchCheckpointFile(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    throw new TorchCheckpointError("NOT_A_CHECKPOINT", path, `cannot read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return isTorchCheckpoint(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Reads an official `torch.save` checkpoint file (any file name, e.g. `step_1000`) and maps its names. */
export async function readOfficialCheckpoint(path: string, options: ReadTorchCheckpointOptions = {}): Promise<OfficialCheckpoint> {
  const decoded = decodeTorchCheckpoint(await readBytes(path), { source: path, weights: options.weights });
  const { tensors, mapped } = mapOfficialNames(decoded.tensors, path);
  return { ...decoded, mappedTensors: tensors, mapped };
}

/**
 * Loads a weights file as tfjs float32 tensors under this project's names, whichever the format: a `torch.save`
 * checkpoint (recognised by its zip signature, whatever its name) or safetensors. The caller owns the tensors.
 */
export async function loadWeightsFile(path: string, options: ReadTorchCheckpointOptions = {}): Promise<Map<string, tf.Tensor>> {
  if (!(await isTorchCheckpointFile(path))) {
    if (options.weights === "ema") throw new TorchCheckpointError("NOT_A_CHECKPOINT", path, "EMA weights can only be selected in a torch.save checkpoint");
    return loadSafetensors(path);
  }
  const decoded = decodeTorchCheckpoint(await readBytes(path), { source: path, weights: options.weights });
  const { tensors } = mapOfficialNames(decoded.tensors, path);
  const out = new Map<string, tf.Tensor>();
  for (const [name, t] of tensors) out.set(name, tf.tensor(t.data, [...t.shape], "float32"));
  return out;
}
