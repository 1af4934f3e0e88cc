import type { RecursiveModel } from "@trm/core";
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

/** Builds the model `arch.name` names; the error lists the registered names. */
export function createModel(registry: ModelRegistry, arch: ArchConfig, data: DatasetShape, seed: number): RecursiveModel {
  const factory = registry[arch.name];
  if (!factory) {
    throw new Error(`No model factory for arch.name "${arch.name}". Registered: ${Object.keys(registry).join(", ") || "none"}.`);
  }
  return factory(arch, data, { seed });
}
