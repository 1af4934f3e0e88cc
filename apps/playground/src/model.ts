import * as tf from "@tensorflow/tfjs-core";
import { createTrm, decodeSafetensors, loadStateDict, resolveTrmConfig, type RecursiveModel } from "@trm/core";
import { createHrm, resolveHrmConfig } from "@trm/hrm-baseline";

/** A model ready to run, with what the page needs to know of it. */
export interface LoadedModel {
  readonly model: RecursiveModel;
  /** "trm" or "hrm". */
  readonly kind: string;
  /** The task the run was trained on (`sudoku`, `maze`, `arc`, ...), when the run's config names it. */
  readonly task: string | null;
  readonly seqLen: number;
  readonly vocabSize: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function parseJson(text: string, source: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObject(value)) throw new Error(`${source}: expected a JSON object`);
  return value;
}

function positiveInt(config: Json, key: string, source: string): number {
  const v = config[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new Error(`${source}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Builds the model a run trained from its weights (`final.safetensors`, whose metadata carries the model's config) and
 * the run's `config.json` (its `arch.name` and `task`). Either file's problems are reported naming that file.
 */
export function loadModel(weights: Uint8Array, weightsSource: string, runConfigText: string | null, runConfigSource: string): LoadedModel {
  const decoded = decodeSafetensors(weights, { source: weightsSource });
  const run = runConfigText === null ? null : parseJson(runConfigText, runConfigSource);
  const arch = run && isObject(run.arch) ? run.arch : null;
  if (run !== null && arch === null) throw new Error(`${runConfigSource}: expected an "arch" object (a run's config.json)`);
  const embedded = decoded.metadata.config;
  let modelConfig: Json;
  if (embedded !== undefined) {
    modelConfig = parseJson(embedded, `${weightsSource} metadata "config"`);
  } else if (arch !== null) {
    modelConfig = arch;
  } else {
    throw new Error(`${weightsSource}: its metadata has no "config"; give the run's config.json as well`);
  }
  const named = arch?.name ?? modelConfig.name ?? "trm";
  const kind = typeof named === "string" ? named : JSON.stringify(named);
  const configSource = embedded !== undefined ? `${weightsSource} metadata "config"` : runConfigSource;
  const seqLen = positiveInt(modelConfig, "seq_len", configSource);
  const vocabSize = positiveInt(modelConfig, "vocab_size", configSource);
  let model: RecursiveModel;
  if (kind === "trm") model = createTrm(resolveTrmConfig(modelConfig), { seed: 0 });
  else if (kind === "hrm") model = createHrm(resolveHrmConfig(modelConfig), { seed: 0 });
  else throw new Error(`${runConfigSource}: arch.name must be "trm" or "hrm", got "${kind}"`);
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const [name, t] of decoded.tensors) {
      const shape = [...t.shape];
      if (t.dtype === "F32") tensors.set(name, tf.tensor(t.data, shape, "float32"));
      else if (t.dtype === "I32") tensors.set(name, tf.tensor(t.data, shape, "int32"));
      else tensors.set(name, tf.tensor(Int32Array.from(t.data), shape, "int32"));
    }
    loadStateDict(model, tensors, { source: weightsSource });
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  const task = run && typeof run.task === "string" ? run.task : null;
  return { model, kind, task, seqLen, vocabSize };
}
