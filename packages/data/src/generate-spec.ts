/**
 * Parses a generator spec `task:key=value,key=value` (e.g. `sudoku:size=4,train=2000,test=200`,
 * `maze:side=15,train=500,test=50,minPath=20`). The `task:` prefix is optional; keys are the task's generator
 * parameters (see each task's docs).
 */
export function parseGenerateSpec(spec: string): { task?: string; params: Record<string, string> } {
  const colon = spec.indexOf(":");
  const task = colon >= 0 ? spec.slice(0, colon).trim() : undefined;
  const body = colon >= 0 ? spec.slice(colon + 1) : spec;
  const params: Record<string, string> = {};
  for (const part of body.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new Error(`generator spec "${spec}": expected key=value, got "${part}"`);
    const key = part.slice(0, eq).trim();
    if (key in params) throw new Error(`generator spec "${spec}": "${key}" given twice`);
    params[key] = part.slice(eq + 1).trim();
  }
  return { ...(task === undefined || task === "" ? {} : { task }), params };
}

/** Most puzzles one generator call makes per split: more is a typo (`train=1e9`), and would not fit in memory. */
export const MAX_GENERATED_PUZZLES = 1_000_000;

/**
 * Reads integer generator parameters, refusing unknown keys, non-integers and values above `limits` (nothing is
 * silently ignored, nothing unbounded is started).
 */
export function integerParams<K extends string>(
  task: string,
  params: Readonly<Record<string, string>>,
  defaults: Readonly<Record<K, number | undefined>>,
  limits: Partial<Readonly<Record<K, number>>> = {},
): Record<K, number | undefined> {
  const known = Object.keys(defaults);
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) throw new Error(`${task} generator: unknown parameter "${key}"; known: ${known.join(", ")}`);
  }
  const out: Record<K, number | undefined> = { ...defaults };
  for (const key of known as K[]) {
    const text = params[key];
    if (text === undefined) continue;
    const v = Number(text);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${task} generator: ${key} must be a non-negative integer, got "${text}"`);
    const limit = limits[key];
    if (limit !== undefined && v > limit) throw new Error(`${task} generator: ${key}=${text} is above the limit of ${limit}`);
    out[key] = v;
  }
  return out;
}
