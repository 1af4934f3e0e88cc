import { readFile } from "node:fs/promises";
import { parseDocument, Parser as YamlParser } from "yaml";
import * as z from "zod";
import { editDistance, nearestKey, TRM_FIELDS, type FieldSpec, type FieldValue } from "@trm/core";

/** The fields the dataset decides (`dataset.json`): never written in a training config's `arch`. */
const DATASET_FIELDS: readonly string[] = ["vocab_size", "seq_len", "num_puzzle_identifiers"] satisfies (keyof typeof TRM_FIELDS)[];

type ArchField = Exclude<keyof typeof TRM_FIELDS, "vocab_size" | "seq_len" | "num_puzzle_identifiers">;

/**
 * The architecture in the official field names (`config/arch/*.yaml`). Every field but `name` is optional: the model
 * factory fills the official defaults from its field table. `H_cycles` is T, `L_cycles` is n, `halt_max_steps` is N_sup.
 */
export type ArchConfig = { [K in ArchField]?: FieldValue<(typeof TRM_FIELDS)[K]> } & {
  /** Which model factory builds it: "trm" or "hrm" (see {@link ModelRegistry}). */
  name: string;
  /** HRM's high-level blocks (TRM accepts and ignores it, as the official code). */
  H_layers?: number;
  /** The official models compute in bfloat16 on GPU; this implementation computes in float32 and records the name. */
  forward_dtype?: "bfloat16" | "float16" | "float32";
};

/** The zod check of one field, from its entry in a model's field table (ranges as `resolveFields` checks them). */
function fieldSchema(spec: FieldSpec): z.ZodType {
  switch (spec.kind) {
    case "int":
      return z.int().min(spec.min);
    case "number":
      return spec.max === undefined ? z.number().gt(spec.min) : z.number().min(spec.min).max(spec.max);
    case "bool":
      return z.boolean();
    case "enum":
      return z.enum(spec.values as [string, ...string[]]);
  }
}

/**
 * `arch` is checked against core's TRM field table (ARCH_FIELDS plus TRM's), which holds every field both models
 * take but HRM's `H_layers`: the types and ranges are written once, there. The model factory checks the rest
 * (HRM's own ranges, cross-field rules) when it resolves the config.
 */
const ARCH_SHAPE: Record<string, z.ZodType> = {
  name: z.string().min(1),
  ...Object.fromEntries(Object.entries(TRM_FIELDS).flatMap(([k, f]) => (DATASET_FIELDS.includes(k) ? [] : [[k, fieldSchema(f).optional()]]))),
  H_layers: z.int().nonnegative().optional(),
  forward_dtype: z.enum(["bfloat16", "float16", "float32"]).optional(),
};

export const archSchema: z.ZodType<ArchConfig, ArchConfig> = z.strictObject(ARCH_SHAPE) as unknown as z.ZodType<ArchConfig, ArchConfig>;

/** Training hyperparameters in the official names (`config/cfg_pretrain.yaml`), plus a few budget and I/O knobs. */
export const trainConfigSchema = z.strictObject({
  /** The task the data was built for (sudoku, maze, arc, ...): recorded in the run, checked against the data. */
  task: z.string().optional(),
  /** The dataset directory (official name), recorded in the run so `trm-train eval --run` finds the test split. */
  data_path: z.string().optional(),
  arch: archSchema,
  /** Rows per optimiser step (official 768): a training choice. */
  global_batch_size: z.int().positive().default(768),
  /** Rows per forward/backward pass: a memory choice. Must divide global_batch_size. Default: global_batch_size. */
  micro_batch_size: z.int().positive().optional(),
  /** Passes over the training groups; total steps = epochs * total_groups * mean_puzzle_examples / global_batch_size. */
  epochs: z.number().positive().default(20000),
  /** Caps the optimiser steps (and defines the schedule's length when smaller than the epochs give). */
  max_steps: z.int().positive().optional(),
  /** Evaluate every this many epochs (official). */
  eval_interval: z.number().positive().optional(),
  /** Evaluate every this many steps (overrides eval_interval). */
  eval_every_steps: z.int().positive().optional(),
  /** Checkpoint every this many steps; default: at every evaluation, and always at the end. */
  checkpoint_every_steps: z.int().positive().optional(),
  /** Completed checkpoints to keep (the newest ones). */
  checkpoint_keep: z.int().positive().default(2),
  /** Peak learning rate; 0 would train nothing, so it must be positive. */
  lr: z.number().positive().default(1e-4),
  lr_min_ratio: z.number().min(0).max(1).default(1),
  lr_warmup_steps: z.int().nonnegative().default(2000),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.95),
  weight_decay: z.number().nonnegative().default(0.1),
  puzzle_emb_lr: z.number().nonnegative().default(1e-2),
  puzzle_emb_weight_decay: z.number().nonnegative().default(0.1),
  /** adam_atan2 (official) or adamw. */
  optimizer: z.enum(["adam_atan2", "adamw"]).default("adam_atan2"),
  ema: z.boolean().default(true),
  ema_rate: z.number().min(0).lt(1).default(0.999),
  seed: z.int().nonnegative().default(0),
  /** Rows per evaluation batch (default: micro_batch_size). */
  eval_batch_size: z.int().positive().optional(),
  /** Evaluate on the first N test examples only (default: all). */
  eval_max_examples: z.int().positive().optional(),
  /** Write a metrics line every this many steps. */
  log_every_steps: z.int().positive().default(1),
});

/** A resolved training config: defaults filled, everything checked. */
export type TrainConfig = z.infer<typeof trainConfigSchema>;
/** What a user writes: any field with a default may be left out. */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** A config that does not pass the schema. The message lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid config (${source}):\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** "Did you mean" hints come from core, which validates model configs the same way. */
export { editDistance, nearestKey };

const KEYS: Record<string, readonly string[]> = {
  "": Object.keys(trainConfigSchema.shape),
  arch: Object.keys(ARCH_SHAPE),
};

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `the string ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Checks a raw config object and fills defaults. Throws {@link ConfigError} naming each bad key. */
export function parseTrainConfig(raw: unknown, source = "config"): TrainConfig {
  const result = trainConfigSchema.safeParse(raw);
  if (result.success) {
    const c = result.data;
    const micro = c.micro_batch_size ?? c.global_batch_size;
    if (c.global_batch_size % micro !== 0) {
      throw new ConfigError(source, [
        `micro_batch_size: ${micro} does not divide global_batch_size ${c.global_batch_size}; pick a divisor (gradient accumulation runs global/micro passes per step).`,
      ]);
    }
    return c;
  }
  const problems: string[] = [];
  for (const issue of result.error.issues) {
    const where = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const known = KEYS[where] ?? [];
      for (const key of issue.keys) {
        const near = nearestKey(key, known);
        const full = where ? `${where}.${key}` : key;
        problems.push(`${full}: unknown key${near ? `; did you mean "${where ? `${where}.` : ""}${near}"?` : `; valid keys: ${known.join(", ")}`}`);
      }
    } else {
      const got = valueAt(raw, issue.path);
      problems.push(`${where || "(root)"}: ${issue.message}${got === undefined ? "" : ` (got ${describe(got)})`}`);
    }
  }
  throw new ConfigError(source, problems);
}

const TOO_DEEP = "nested too deeply: a config has at most arch.<key> under the top level";
const MAX_YAML_DEPTH = 64;
const YAML_COLLECTIONS = new Set(["block-map", "block-seq", "flow-collection"]);

/** The deepest nesting of collections in YAML text, read from its concrete syntax tree by an explicit stack. */
export function yamlNestingDepth(text: string): number {
  let deepest = 0;
  const stack: [unknown, number][] = [...new YamlParser().parse(text)].map((token) => [token, 0]);
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [node, depth] = top;
    if (node === null || typeof node !== "object") continue;
    const here = YAML_COLLECTIONS.has((node as { type?: unknown }).type as string) ? depth + 1 : depth;
    deepest = Math.max(deepest, here);
    for (const child of Object.values(node)) if (child !== null && typeof child === "object") stack.push([child, here]);
  }
  return deepest;
}

/**
 * Parses YAML text. Deep nesting is refused from the syntax tree, which is built without recursion, because the
 * composer recurses once per level and at the edge of the stack V8 may abort the process instead of throwing. YAML's
 * warnings (an unknown tag or directive) count as problems, so that nothing is read other than as written.
 */
function readYaml(text: string): { value?: unknown; problem?: string; tooDeep?: true } {
  if (yamlNestingDepth(text) > MAX_YAML_DEPTH) return { tooDeep: true };
  try {
    const doc = parseDocument(text, { prettyErrors: false });
    const problem = doc.errors[0] ?? doc.warnings[0];
    return problem ? { problem: problem.message } : { value: doc.toJS() as unknown };
  } catch (e) {
    return { problem: e instanceof Error ? e.message : String(e) };
  }
}

/** Reads a YAML or JSON file into a plain object (JSON is YAML, so one parser serves both). */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new Error(`Cannot read config file ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const read = readYaml(text);
  if (read.tooDeep) throw new ConfigError(path, [TOO_DEEP]);
  if (read.problem !== undefined) throw new Error(`Config file ${path} is not valid YAML/JSON: ${read.problem}`);
  const value = read.value;
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new Error(`Config file ${path}: expected a mapping of keys to values at the top level.`);
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== "object") return;
    if (depth > 8) throw new ConfigError(path, [TOO_DEEP]);
    for (const [k, child] of Object.entries(v)) {
      checkKey(k, path);
      walk(child, depth + 1);
    }
  };
  walk(value, 0);
  return value as Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Keys that would reach an object's prototype instead of a config field. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function checkKey(key: string, source: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw new ConfigError(source, [`${key}: not a config key (keys name fields such as lr or arch.L_cycles)`]);
}

/** Deep merge: objects merge key by key, everything else in `over` replaces `base`. Inputs are not modified. */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    checkKey(k, "config");
    const b = out[k];
    out[k] = isRecord(b) && isRecord(v) ? mergeConfig(b, v) : v;
  }
  return out;
}

/**
 * Applies `--set key=value` overrides: `key` is a dotted path (`arch.L_cycles`), `value` is parsed as YAML so
 * `3`, `1e-4`, `true` and `rope` get their natural types.
 */
export function applyOverrides(base: Record<string, unknown>, sets: readonly string[]): Record<string, unknown> {
  let out = base;
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new ConfigError("--set", [`"${s}": expected key=value (e.g. lr=3e-4 or arch.L_cycles=4)`]);
    const path = s.slice(0, eq).trim().split(".");
    for (const p of path) {
      if (p === "") throw new ConfigError("--set", [`"${s}": empty key segment (expected e.g. arch.L_cycles=4)`]);
      checkKey(p, "--set");
    }
    const text = s.slice(eq + 1);
    const read = readYaml(text);
    if (read.tooDeep) throw new ConfigError("--set", [`"${path.join(".")}": the value is ${TOO_DEEP}`]);
    const value = read.problem === undefined ? read.value : text;
    const patch: Record<string, unknown> = {};
    let cursor = patch;
    path.forEach((p, i) => {
      if (i === path.length - 1) cursor[p] = value;
      else {
        const next: Record<string, unknown> = {};
        cursor[p] = next;
        cursor = next;
      }
    });
    out = mergeConfig(out, patch);
  }
  return out;
}

export interface ResolveConfigOptions {
  /** A preset name (see PRESETS) or a YAML/JSON file; omitted: the official defaults. */
  readonly config?: string;
  /** `key=value` overrides, applied last. */
  readonly sets?: readonly string[];
  /** Fields the caller fixes (from command-line flags such as --model, --task, --data), applied before `sets`. */
  readonly patch?: Record<string, unknown>;
}

/**
 * Builds a run's config: preset or file, then `patch`, then `--set` overrides; checked by the schema. A name without a
 * path separator or extension that is a preset is taken as the preset.
 */
export async function resolveTrainConfig(options: ResolveConfigOptions, presets: Readonly<Record<string, { readonly config: TrainConfigInput }>>): Promise<TrainConfig> {
  let base: Record<string, unknown> = {};
  let source = "defaults";
  if (options.config !== undefined) {
    const preset = presets[options.config];
    if (preset) {
      base = structuredClone(preset.config);
      source = `preset ${options.config}`;
    } else if (/[./\\]/.test(options.config)) {
      base = await readConfigFile(options.config);
      source = options.config;
    } else {
      const near = nearestKey(options.config, Object.keys(presets));
      throw new ConfigError("--config", [
        `"${options.config}" is neither a config file nor a preset${near ? `; did you mean "${near}"?` : ""}. Presets: ${Object.keys(presets).join(", ")}`,
      ]);
    }
  }
  const merged = applyOverrides(mergeConfig(base, options.patch ?? {}), options.sets ?? []);
  const sets = options.sets && options.sets.length > 0 ? ` + --set ${options.sets.join(" ")}` : "";
  return parseTrainConfig(merged, `${source}${sets}`);
}

/** Rows per evaluation batch: `eval_batch_size`, else the micro-batch, else the global batch. */
export function evalBatchSize(config: TrainConfig): number {
  return config.eval_batch_size ?? config.micro_batch_size ?? config.global_batch_size;
}
