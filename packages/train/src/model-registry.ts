import { ARCH_FIELDS, TRM_FIELDS, type RecursiveModel } from "@trm/core";
import type { ArchConfig } from "./config.js";

/** What the dataset decides about the model: the official `dataset.json` fields a model needs. */
export interface DatasetShape {
  readonly vocab_size: number;
  readonly seq_len: number;
  readonly num_puzzle_identifiers: number;
}

/**
 * Builds a model from its architecture config (official names) and the dataset's shape. Factories are passed in by
 * the application, so this package never imports a particular model package.
 */
export type ModelFactory = (arch: ArchConfig, data: DatasetShape, options: { readonly seed: number }) => RecursiveModel;

/** Factories keyed by `arch.name` ("trm", "hrm", ...). */
export type ModelRegistry = Readonly<Record<string, ModelFactory>>;

/**
 * The most parameters a model may have: 2^29 (2 GiB of float32 weights, before optimiser state). The official ARC
 * model with its puzzle-embedding table has about 0.45 billion.
 */
export const MAX_MODEL_PARAMETERS = 2 ** 29;

/**
 * A lower bound on the parameter count of the model `arch` builds for `data`, from the fields that dominate it
 * (token embedding and LM head, the layers' MLPs and attention, the puzzle table), with the official defaults for
 * fields left out. Cheap: nothing is allocated.
 */
export function parameterLowerBound(arch: ArchConfig, data: DatasetShape): number {
  const h = arch.hidden_size ?? ARCH_FIELDS.hidden_size.default;
  // TRM's default depth (2) is the smaller of the two models' defaults (HRM: 4 + 4).
  const layers = arch.L_layers ?? TRM_FIELDS.L_layers.default;
  const mlp = 2 * (arch.expansion ?? ARCH_FIELDS.expansion.default) * h * h;
  const attention = arch.mlp_t === true ? 0 : 4 * h * h;
  return 2 * data.vocab_size * h + layers * (mlp + attention) + data.num_puzzle_identifiers * (arch.puzzle_emb_ndim ?? h);
}

/**
 * Bounds on the fields that set how much work one supervision step does, far above any published model (the official
 * ones use 2-4 layers, 3-6 cycles, 16 steps): a larger value is a typo that would build or run for hours.
 */
const DEPTH_LIMITS = [
  ["L_layers", 256],
  ["H_layers", 256],
  ["H_cycles", 1024],
  ["L_cycles", 1024],
  ["halt_max_steps", 1024],
] as const;

/**
 * Refuses a model over {@link MAX_MODEL_PARAMETERS}, or deeper than the depth limits, before anything is allocated,
 * naming the fields that size it.
 */
export function checkModelSize(arch: ArchConfig, data: DatasetShape): void {
  for (const [field, limit] of DEPTH_LIMITS) {
    const v = arch[field];
    if (v !== undefined && v > limit) throw new RangeError(`model size: arch.${field} ${v} is over the limit of ${limit}; make the model shallower`);
  }
  const n = parameterLowerBound(arch, data);
  if (n <= MAX_MODEL_PARAMETERS) return;
  const fields = [
    `arch.hidden_size ${arch.hidden_size ?? `${ARCH_FIELDS.hidden_size.default} (default)`}`,
    `arch.L_layers ${arch.L_layers ?? `${TRM_FIELDS.L_layers.default} (default)`}`,
    `arch.expansion ${arch.expansion ?? `${ARCH_FIELDS.expansion.default} (default)`}`,
    `arch.puzzle_emb_ndim ${arch.puzzle_emb_ndim ?? "hidden_size (default)"}`,
    `vocab_size ${data.vocab_size}`,
    `num_puzzle_identifiers ${data.num_puzzle_identifiers}`,
  ];
  throw new RangeError(
    `model size: ${fields.join(", ")} give at least ${n.toExponential(2)} parameters, over the limit of ${MAX_MODEL_PARAMETERS.toLocaleString("en-US")} (2^29); ` +
      `make the model smaller`,
  );
}

/** Builds the model `arch.name` names (after {@link checkModelSize}); the error lists the registered names. */
export function createModel(registry: ModelRegistry, arch: ArchConfig, data: DatasetShape, seed: number): RecursiveModel {
  const factory = registry[arch.name];
  if (!factory) {
    throw new Error(`No model factory for arch.name "${arch.name}". Registered: ${Object.keys(registry).join(", ") || "none"}.`);
  }
  checkModelSize(arch, data);
  return factory(arch, data, { seed });
}

/**
 * A model constructor as the model packages export them (`createTrm` of `@trm/core`, `createHrm` of
 * `@trm/hrm-baseline`): the official config (architecture plus the dataset's vocab_size, seq_len and
 * num_puzzle_identifiers) and a seed. The config parameter is left open so constructors with typed configs fit.
 */
export type ModelConstructor = (config: never, options: { readonly seed: number }) => RecursiveModel;

/** A registry from constructors keyed by `arch.name`: `modelRegistry({ trm: createTrm, hrm: createHrm })`. */
export function modelRegistry(constructors: Readonly<Record<string, ModelConstructor>>): ModelRegistry {
  return Object.fromEntries(
    Object.entries(constructors).map(([name, make]) => [name, ((arch, data, { seed }) => make({ ...arch, ...data } as never, { seed })) satisfies ModelFactory]),
  );
}
