import { BACKEND_NAMES, editDistance, type BackendRequest } from "@trm/core";
import type { Budget } from "./budget.js";
import { DEFAULT_PAIRING, DEFAULT_SCENARIO, PAIRINGS, SCENARIOS } from "./scenarios.js";


export interface CompareArgs {
  /** Task of `--data` (for its pictures); null: the scenario's. */
  readonly task: string | null;
  /** A built dataset directory (train/, test/, identifiers.json); null: the scenario's generated data. */
  readonly data: string | null;
  /** Null: the scenario's budget. */
  readonly budget: Budget | null;
  /** A name of PAIRINGS. */
  readonly pairing: string;
  /** A name of SCENARIOS. */
  readonly scenario: string;
  /** Replace the pairing's presets (null: keep them). */
  readonly trmPreset: string | null;
  readonly hrmPreset: string | null;
  /** Seeds run: seed, seed + 1, ..., seed + seeds - 1. */
  readonly seeds: number;
  readonly backend: BackendRequest;
  readonly out: string;
  readonly seed: number;
  /** Test puzzles scored at the end (default: the whole test split). */
  readonly testLimit: number | null;
  /** `key=value` overrides applied to both models' training configs (after the preset). */
  readonly sets: readonly string[];
  /** Dawn options for the webgpu backend in Node (`backend=vulkan`, ...). */
  readonly webgpuFlags: readonly string[];
  /** Start over in an --out that holds an earlier comparison (its run folders are cleared). */
  readonly overwrite: boolean;
  /** Print why `--backend auto` skipped each backend. */
  readonly verbose: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

export class ArgsError extends Error {
  override name = "ArgsError";
}

/** "4m", "2.5m", "90s" (wall clock per model), "20000" or "20k" (training samples × supervision steps per model). */
export function parseBudget(text: string): Budget {
  const t = text.trim().toLowerCase();
  const minutes = /^(\d+(?:\.\d+)?)\s*(m|min)$/.exec(t);
  const seconds = minutes ? Number(minutes[1]) * 60 : Number(/^(\d+(?:\.\d+)?)\s*s$/.exec(t)?.[1] ?? Number.NaN);
  if (seconds > 0) return { kind: "seconds", seconds };
  if (seconds === 0) throw new ArgsError(`--budget: expected a budget above zero, got "${text}"`);
  const m = /^(\d+(?:\.\d+)?)(k?)(?:\s*samples)?$/.exec(t);
  if (m) {
    const n = Math.round(Number(m[1]) * (m[2] === "k" ? 1000 : 1));
    if (n > 0) return { kind: "samples", samples: n };
  }
  throw new ArgsError(
    `--budget: expected minutes ("4m"), seconds ("90s") or training samples ("20000", "20k"), got "${text}"`,
  );
}

export function describeBudget(b: Budget): string {
  return b.kind === "seconds"
    ? `${b.seconds % 60 === 0 ? `${b.seconds / 60} min` : `${b.seconds} s`} of training per model`
    : `${b.samples} training samples (sample × supervision steps) per model`;
}

/** The flag closest to a mistyped `name` (edit distance at most 2), or null. */
function nearestFlag(name: string): string | null {
  const ranked = FLAGS.map((f) => [f, editDistance(name, f)] as const).sort((x, y) => x[1] - y[1]);
  const best = ranked[0];
  return best !== undefined && best[1] <= 2 ? best[0] : null;
}

const FLAGS = ["scenario", "pairing", "seeds", "task", "data", "budget", "trm-preset", "hrm-preset", "backend", "out", "seed", "test-limit", "set", "webgpu-flag"] as const;

/** Parses the command line; errors name the flag and what it expects. */
export function parseArgs(argv: readonly string[]): CompareArgs {
  const values = new Map<string, string>();
  const sets: string[] = [];
  const webgpuFlags: string[] = [];
  let help = false;
  let version = false;
  let overwrite = false;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--help" || a === "-h") {
      help = true;
      continue;
    }
    if (a === "--version" || a === "-V") {
      version = true;
      continue;
    }
    if (a === "--overwrite") {
      overwrite = true;
      continue;
    }
    if (a === "--verbose") {
      verbose = true;
      continue;
    }
    if (!a.startsWith("--")) throw new ArgsError(`unexpected argument "${a}" (options start with --; see --help)`);
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!(FLAGS as readonly string[]).includes(name)) {
      const near = nearestFlag(name);
      throw new ArgsError(`unknown option --${name}; ${near ? `did you mean --${near}?` : `options: ${FLAGS.map((f) => `--${f}`).join(", ")}`}`);
    }
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || value === "") throw new ArgsError(`--${name} needs a value`);
    if (name === "set") {
      if (!/^[A-Za-z_][\w.]*=/.test(value)) throw new ArgsError(`--set: expected key=value (e.g. lr=1e-3, arch.halt_max_steps=16), got "${value}"`);
      sets.push(value);
    } else if (name === "webgpu-flag") {
      if (!/^[a-z][a-z0-9-]*=/.test(value)) throw new ArgsError(`--webgpu-flag: expected key=value (e.g. backend=vulkan), got "${value}"`);
      webgpuFlags.push(value);
    } else values.set(name, value);
  }
  const backend = (values.get("backend") ?? "auto") as BackendRequest;
  if (!BACKEND_NAMES.includes(backend)) {
    throw new ArgsError(`--backend: expected one of ${BACKEND_NAMES.join(", ")}, got "${backend}"`);
  }
  const int = (name: string, fallback: number | null, min = 0): number | null => {
    const v = values.get(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) {
      throw new ArgsError(`--${name}: expected ${min > 0 ? "a positive" : "a non-negative"} integer, got "${v}"`);
    }
    return Number(v);
  };
  const budget = values.get("budget");
  const named = (flag: string, table: Readonly<Record<string, unknown>>, fallback: string): string => {
    const v = values.get(flag) ?? fallback;
    if (!(v in table)) throw new ArgsError(`--${flag}: expected one of ${Object.keys(table).join(", ")}, got "${v}"`);
    return v;
  };
  const seeds = int("seeds", 3) ?? 3;
  if (seeds < 1) throw new ArgsError("--seeds: expected at least 1");
  const data = values.get("data") ?? null;
  if (values.has("task") && data === null) throw new ArgsError("--task names the task of --data; without --data the scenario sets the task");
  return {
    task: values.get("task") ?? null,
    data,
    budget: budget === undefined ? null : parseBudget(budget),
    pairing: named("pairing", PAIRINGS, DEFAULT_PAIRING),
    scenario: named("scenario", SCENARIOS, DEFAULT_SCENARIO),
    trmPreset: values.get("trm-preset") ?? null,
    hrmPreset: values.get("hrm-preset") ?? null,
    seeds,
    backend,
    out: values.get("out") ?? "runs/compare",
    seed: int("seed", 0) ?? 0,
    testLimit: int("test-limit", null, 1),
    sets,
    webgpuFlags,
    overwrite,
    verbose,
    help,
    version,
  };
}
