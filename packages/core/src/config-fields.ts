/** One field of a model config: its type, its range, and its default (a field without one is required). */
export type FieldSpec =
  | { readonly kind: "int"; readonly min: number; readonly default?: number }
  | { readonly kind: "number"; readonly min: number; readonly max?: number; readonly default: number }
  | { readonly kind: "bool"; readonly default: boolean }
  | { readonly kind: "enum"; readonly values: readonly string[]; readonly default: string };

/** The value type a {@link FieldSpec} resolves to. */
export type FieldValue<F extends FieldSpec> = F extends { readonly kind: "bool" }
  ? boolean
  : F extends { readonly kind: "enum"; readonly values: readonly (infer V)[] }
    ? V
    : number;

/** A table of fields: the one place a model's field names, types, ranges and defaults are written. */
export type FieldTable = Readonly<Record<string, FieldSpec>>;

/** Every field of a table, resolved. */
export type ResolvedFields<S extends FieldTable> = { readonly [K in keyof S]: FieldValue<S[K]> };

type OptionalKey<S> = { [K in keyof S]: S[K] extends { readonly default: unknown } ? K : never }[keyof S];

/** What a user may write for a table of fields: the fields with a default are optional. */
export type ConfigInput<S extends FieldTable> = {
  readonly [K in keyof S as K extends OptionalKey<S> ? K : never]?: FieldValue<S[K]>;
} & {
  readonly [K in keyof S as K extends OptionalKey<S> ? never : K]: FieldValue<S[K]>;
};

/** A model config that cannot be built: names the model, the field and what was wrong with it. */
export class ModelConfigError extends Error {
  constructor(
    readonly model: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${model} config field "${field}": ${detail}`);
    this.name = "ModelConfigError";
  }
}

/** Levenshtein distance (case-insensitive), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The known key closest to `key`, when it is close enough to be a likely typo. */
export function nearestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.ceil(key.length / 3)) ? best : null;
}

/**
 * Throws {@link ModelConfigError} for the first key of `raw` that is not in `known`, naming the nearest known key when
 * one is close (`hiden_size` -> `hidden_size`), else listing them all.
 */
export function rejectUnknownKeys(model: string, raw: Readonly<Record<string, unknown>>, known: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const near = nearestKey(key, known);
    throw new ModelConfigError(model, key, near ? `unknown field; did you mean "${near}"?` : `unknown field. Known fields: ${known.join(", ")}.`);
  }
}

function check(model: string, key: string, spec: FieldSpec, v: unknown): unknown {
  const fail = (what: string): never => {
    throw new ModelConfigError(model, key, `expected ${what}, got ${JSON.stringify(v)}.`);
  };
  switch (spec.kind) {
    case "int":
      return typeof v === "number" && Number.isInteger(v) && v >= spec.min ? v : fail(`an integer >= ${spec.min}`);
    case "number": {
      const ok = typeof v === "number" && Number.isFinite(v) && (spec.max === undefined ? v > spec.min : v >= spec.min && v <= spec.max);
      return ok ? v : fail(spec.max === undefined ? `a number > ${spec.min}` : `a number in [${spec.min}, ${spec.max}]`);
    }
    case "bool":
      return typeof v === "boolean" ? v : fail("true or false");
    case "enum":
      return typeof v === "string" && spec.values.includes(v) ? v : fail(spec.values.map((s) => JSON.stringify(s)).join(" or "));
  }
}

/**
 * Checks `raw` against a table of fields and fills the defaults. A key that is neither a field nor in `accepted`
 * (official fields that describe nothing here, such as `forward_dtype`) is rejected with the nearest known key.
 */
export function resolveFields<S extends FieldTable>(model: string, fields: S, raw: Readonly<Record<string, unknown>>, accepted: readonly string[] = []): ResolvedFields<S> {
  rejectUnknownKeys(model, raw, [...Object.keys(fields), ...accepted]);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(fields)) {
    const v = raw[key] ?? spec.default;
    if (v === undefined) throw new ModelConfigError(model, key, "required (it comes from the dataset).");
    out[key] = check(model, key, spec, v);
  }
  return out as ResolvedFields<S>;
}

/** The defaults of a table of fields (the required ones left out). */
export function defaultsOf<S extends FieldTable>(fields: S): Partial<ResolvedFields<S>> {
  return Object.fromEntries(Object.entries(fields).flatMap(([k, f]) => (f.default === undefined ? [] : [[k, f.default]]))) as Partial<ResolvedFields<S>>;
}

/**
 * The fields TRM and HRM share, with the official defaults both use. `vocab_size`, `seq_len` and
 * `num_puzzle_identifiers` come from the dataset and are required.
 */
export const ARCH_FIELDS = {
  hidden_size: { kind: "int", min: 1, default: 512 },
  num_heads: { kind: "int", min: 1, default: 8 },
  /** SwiGLU width factor. */
  expansion: { kind: "number", min: 0, default: 4 },
  vocab_size: { kind: "int", min: 1 },
  /** Tokens per example, without the puzzle prefix. */
  seq_len: { kind: "int", min: 1 },
  num_puzzle_identifiers: { kind: "int", min: 1 },
  rms_norm_eps: { kind: "number", min: 0, default: 1e-5 },
  rope_theta: { kind: "number", min: 0, default: 10000 },
  /** N_sup: supervision steps before a forced halt, and the steps of an evaluation. */
  halt_max_steps: { kind: "int", min: 1, default: 16 },
  /** Chance that a row draws a minimum of U{2..N_sup} steps at a training step. */
  halt_exploration_prob: { kind: "number", min: 0, max: 1, default: 0.1 },
  /** TRM-MLP: a token-mixing SwiGLU instead of self-attention in every block. */
  mlp_t: { kind: "bool", default: false },
} as const satisfies FieldTable;
