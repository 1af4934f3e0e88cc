import * as tf from "@tensorflow/tfjs-core";
import type { RecursiveModel } from "./recursive-model.js";
import { decodeSafetensors, encodeSafetensors, safetensorsToTensors, tensorsToSafetensors } from "./safetensors.js";

/** The state_dict name of the puzzle-embedding table (a buffer of the official sparse embedding). */
export const PUZZLE_EMB_NAME = "inner.puzzle_emb.weights";

// torch.compile wraps a module as `_orig_mod`, and the official ACT loss head holds the model as `model`.
const WRAPPER_PREFIXES = ["_orig_mod.", "model."] as const;

/** Removes every leading wrapper prefix (`_orig_mod.`, `model.`, in any order): `_orig_mod.model.inner.x` -> `inner.x`. */
export function stripPrefix(name: string): string {
  for (;;) {
    const prefix = WRAPPER_PREFIXES.find((p) => name.startsWith(p));
    if (prefix === undefined) return name;
    name = name.slice(prefix.length);
  }
}

/** {@link stripPrefix} over a map's keys; two names that strip to the same one are an error naming both. */
export function stripPrefixes<T>(tensors: ReadonlyMap<string, T>): Map<string, T> {
  const out = new Map<string, T>();
  const original = new Map<string, string>();
  for (const [name, value] of tensors) {
    const stripped = stripPrefix(name);
    const other = original.get(stripped);
    if (other !== undefined) throw new Error(`"${other}" and "${name}" both name "${stripped}" once wrapper prefixes are removed`);
    original.set(stripped, name);
    out.set(stripped, value);
  }
  return out;
}

export interface TensorMismatch {
  readonly name: string;
  readonly expectedShape: readonly number[];
  readonly gotShape: readonly number[];
  readonly expectedDtype: tf.DataType;
  readonly gotDtype: tf.DataType;
}

/** A state dict that does not fit the model. Lists every problem at once; the model was left unchanged. */
export class StateDictMismatchError extends Error {
  constructor(
    readonly missing: readonly string[],
    readonly unexpected: readonly string[],
    readonly mismatched: readonly TensorMismatch[],
    source: string,
  ) {
    const lines = [
      ...missing.map((n) => `  missing: ${n}`),
      ...unexpected.map((n) => `  unexpected: ${n}`),
      ...mismatched.map(
        (m) => `  mismatched: ${m.name}: expected ${m.expectedDtype} [${m.expectedShape.join(", ")}], got ${m.gotDtype} [${m.gotShape.join(", ")}]`,
      ),
    ];
    super(
      `${source} does not fit the model (${missing.length} missing, ${unexpected.length} unexpected, ` +
        `${mismatched.length} mismatched); nothing was loaded:\n${lines.join("\n")}`,
    );
    this.name = "StateDictMismatchError";
  }
}

export interface LoadStateDictOptions {
  /** Reject missing and unexpected names (default true). Mis-shaped tensors are rejected either way. */
  readonly strict?: boolean;
  /** Where the tensors came from, for error messages. */
  readonly source?: string;
}

export interface LoadStateDictResult {
  /** Names assigned, after prefix stripping. */
  readonly loaded: readonly string[];
  /** Model tensors the state dict lacks (non-strict mode only; strict mode throws). */
  readonly missing: readonly string[];
  /** State-dict tensors the model lacks (non-strict mode only; strict mode throws). */
  readonly unexpected: readonly string[];
}

/** The model's variables by official name: params, buffers and the puzzle table. */
export function modelVariables(model: RecursiveModel): Map<string, tf.Variable> {
  const vars = new Map<string, tf.Variable>([...model.params, ...model.buffers]);
  if (model.puzzleEmb !== null) vars.set(PUZZLE_EMB_NAME, model.puzzleEmb);
  return vars;
}

const NUMERIC: ReadonlySet<tf.DataType> = new Set(["float32", "int32", "bool"]);

/**
 * Assigns tensors (official names, wrapper prefixes allowed) to the model's params, buffers and puzzle table,
 * casting to each variable's dtype. Validates everything first: on any mismatch it throws one
 * {@link StateDictMismatchError} listing every problem, and no variable changes. Does not take ownership of `tensors`.
 */
export function loadStateDict(
  model: RecursiveModel,
  tensors: ReadonlyMap<string, tf.Tensor>,
  options: LoadStateDictOptions = {},
): LoadStateDictResult {
  const strict = options.strict ?? true;
  const source = options.source ?? "state dict";
  const given = stripPrefixes(tensors);
  const vars = modelVariables(model);
  const missing = [...vars.keys()].filter((n) => !given.has(n));
  const unexpected = [...given.keys()].filter((n) => !vars.has(n));
  const mismatched: TensorMismatch[] = [];
  for (const [name, v] of vars) {
    const t = given.get(name);
    if (t === undefined) continue;
    if (t.isDisposed) throw new Error(`${source}: tensor "${name}" is disposed`);
    const sameShape = t.shape.length === v.shape.length && t.shape.every((d, i) => d === v.shape[i]);
    // A float parameter takes float data only: integer or boolean tensors in its place are a wrong file, not a cast.
    if (!sameShape || !NUMERIC.has(t.dtype) || (v.dtype === "float32" && t.dtype !== "float32")) {
      mismatched.push({ name, expectedShape: v.shape, gotShape: t.shape, expectedDtype: v.dtype, gotDtype: t.dtype });
    }
  }
  if (mismatched.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
    throw new StateDictMismatchError(strict ? missing : [], strict ? unexpected : [], mismatched, source);
  }
  const loaded: string[] = [];
  tf.tidy(() => {
    for (const [name, v] of vars) {
      const t = given.get(name);
      if (t === undefined) continue;
      v.assign(t.dtype === v.dtype ? t : tf.cast(t, v.dtype));
      loaded.push(name);
    }
  });
  return { loaded, missing, unexpected };
}

/** Loads safetensors bytes (official names, e.g. the official PyTorch weights) into the model; `source` names them in errors. */
export function loadCheckpointBytes(model: RecursiveModel, bytes: Uint8Array, options: LoadStateDictOptions = {}): LoadStateDictResult {
  const source = options.source ?? "<bytes>";
  const tensors = safetensorsToTensors(decodeSafetensors(bytes, { source }));
  try {
    return loadStateDict(model, tensors, { ...options, source });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/**
 * The model's state dict as safetensors bytes. Metadata carries `format: "pt"` (the names and [out, in] layout are
 * PyTorch's) and `config` (the model's config as JSON), as the official tooling writes; `metadata` adds to or
 * overrides those.
 */
export async function encodeModelWeights(model: RecursiveModel, metadata?: Readonly<Record<string, string>>, where = "<memory>"): Promise<Uint8Array> {
  const state = model.stateDict();
  // stateDict may hand out the variables themselves or copies: free only what the model does not own.
  const owned = new Set<tf.Tensor>(modelVariables(model).values());
  try {
    const raw = await tensorsToSafetensors(state, where);
    return encodeSafetensors(raw, { format: "pt", config: JSON.stringify(model.config), ...metadata });
  } finally {
    for (const t of state.values()) if (!owned.has(t)) t.dispose();
  }
}
