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
