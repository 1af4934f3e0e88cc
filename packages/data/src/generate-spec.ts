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

/** Reads integer generator parameters, refusing unknown keys and non-integers (nothing is silently ignored). */
export function integerParams<K extends string>(
  task: string,
  params: Readonly<Record<string, string>>,
  defaults: Readonly<Record<K, number | undefined>>,
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
    out[key] = v;
  }
  return out;
}
