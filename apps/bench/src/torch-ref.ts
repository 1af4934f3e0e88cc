import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { countTrmParameters, resolveTrmConfig } from "@trm/core";
import { countHrmParameters, resolveHrmConfig } from "@trm/hrm-baseline";
import type { BenchConfig } from "./configs.js";

/** The repository root (this file lives in apps/bench/src or apps/bench/dist). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The PyTorch speed reference, relative to the repository root. */
export const DEFAULT_TORCH_BENCH = "../shared/anchors/torch_ref/bench.py";
export const DEFAULT_TORCH_PYTHON = "/usr/bin/python3";

/**
 * What the PyTorch reference's bench.py fixes for every model it builds (its `Config` defaults, not flags):
 * a configuration whose resolved field differs from one of these cannot be expressed by it.
 */
export const BENCH_PY_FIXED = {
  expansion: 4,
  halt_max_steps: 16,
  num_puzzle_identifiers: 1,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
} as const;

/** A configuration bench.py cannot express exactly: the first differing field, ours and bench.py's value. */
export interface TorchRefusal {
  readonly ok: false;
  readonly field: string;
  readonly ours: unknown;
  readonly torch: string;
  /** "not comparable: <field> differs (ours ..., bench.py ...)". */
  readonly reason: string;
}

export interface TorchMapping {
  readonly ok: true;
  /** bench.py's model flags (no --batch, --steps, --threads: those are per run). */
  readonly args: readonly string[];
  /** The model config our side runs (the configuration's, or with halt_max_steps set to bench.py's when asked). */
  readonly model: Readonly<Record<string, unknown>>;
  /** What differs from the named configuration but not between the two sides, said in the report. */
  readonly notes: readonly string[];
  /** Our trainable parameters (no puzzle table, no H_init / L_init): bench.py's `params` must be the same. */
  readonly params: number;
}

export interface TorchMapOptions {
  /**
   * Run our side at bench.py's halt_max_steps when that is the only field that differs: the compute of a training
   * step and of a 16-step evaluation does not depend on it (only when the carry is reset does).
   */
  readonly matchHalt?: boolean;
}

function refuse(field: string, ours: unknown, torch: string): TorchRefusal {
  return { ok: false, field, ours, torch, reason: `not comparable: ${field} differs (ours ${JSON.stringify(ours)}, bench.py ${torch})` };
}

/**
 * bench.py's flags for a benchmark configuration, compared field by field with the resolved config (defaults
 * filled, derived prefix length), or the first field it cannot express. bench.py sets puzzle_emb_ndim = hidden,
 * HRM's H_layers = L_layers (one --layers) and HRM's prefix to ceil(ndim / hidden) = 1.
 */
export function torchBenchArgs(config: BenchConfig, options: TorchMapOptions = {}): TorchMapping | TorchRefusal {
  const notes: string[] = [];
  let model: Readonly<Record<string, unknown>> = config.model;
  const first = config.kind === "trm" ? resolveTrmConfig(model) : resolveHrmConfig(model);
  if (first.halt_max_steps !== BENCH_PY_FIXED.halt_max_steps && options.matchHalt === true) {
    notes.push(`halt_max_steps ${first.halt_max_steps} -> ${BENCH_PY_FIXED.halt_max_steps} on both sides (bench.py fixes it)`);
    model = { ...model, halt_max_steps: BENCH_PY_FIXED.halt_max_steps };
  }
  const c = config.kind === "trm" ? resolveTrmConfig(model) : resolveHrmConfig(model);
  for (const [field, value] of Object.entries(BENCH_PY_FIXED)) {
    const ours = (c as unknown as Record<string, unknown>)[field];
    if (ours !== value) return refuse(field, ours, `fixes ${value}`);
  }
  if (c.puzzle_emb_ndim !== c.hidden_size) return refuse("puzzle_emb_ndim", c.puzzle_emb_ndim, `sets it to hidden_size ${c.hidden_size}`);
  const args = [
    "--model", config.kind,
    "--hidden", String(c.hidden_size),
    "--heads", String(c.num_heads),
    "--T", String(c.H_cycles),
    "--n", String(c.L_cycles),
    "--seq-len", String(c.seq_len),
    "--vocab", String(c.vocab_size),
    "--pos", c.pos_encodings,
  ];
  if (c.model === "trm") {
    if (!c.no_ACT_continue) return refuse("no_ACT_continue", c.no_ACT_continue, "has only true for TRM (no Q-continue target forward)");
    args.push("--layers", String(c.L_layers), "--puzzle-emb-len", String(c.puzzle_emb_len));
    if (c.mlp_t) args.push("--mlp-t");
  } else {
    if (c.mlp_t) return refuse("mlp_t", c.mlp_t, "has no HRM mlp_t");
    if (c.H_layers !== c.L_layers) return refuse("H_layers", c.H_layers, `uses one --layers for both, here L_layers ${c.L_layers}`);
    args.push("--layers", String(c.L_layers));
  }
  if (c.halt_exploration_prob > 0) notes.push(`halt_exploration_prob ${c.halt_exploration_prob}: ours draws exploration halts in training, bench.py has none (no matmul work)`);
  const params = c.model === "trm" ? countTrmParameters(model) : countHrmParameters(c);
  return { ok: true, args, model, notes, params };
}

/** bench.py's JSON line, the fields the comparison reads. */
export interface TorchBenchResult {
  readonly mode: "train" | "infer";
  /** Mean seconds of the timed steps (train) or full evaluations (infer). */
  readonly secMean: number;
  readonly secMin: number;
  readonly secMax: number;
  readonly timed: number;
  readonly threads: number;
  readonly blasThreads: number;
  readonly params: number | null;
  readonly torch: string | null;
  /** The whole line, as bench.py printed it. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** bench.py failed, was not found, or printed something that is not its JSON line. */
export class TorchBenchError extends Error {
  constructor(
    readonly command: string,
    detail: string,
    readonly stderrTail: string,
  ) {
    super(`PyTorch reference: ${command}: ${detail}${stderrTail === "" ? "" : `\n--- stderr (tail) ---\n${stderrTail}`}`);
    this.name = "TorchBenchError";
  }
}

export function tail(text: string, lines = 15): string {
  return text.split("\n").filter((l) => l.trim() !== "").slice(-lines).join("\n");
}

export function commandLine(python: string, argv: readonly string[]): string {
  return [python, ...argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

/** Reads bench.py's output: its last non-empty stdout line must be its JSON object with the timing of `mode`. */
export function parseTorchBenchOutput(mode: "train" | "infer", stdout: string, stderr: string, exitCode: number | null, command: string): TorchBenchResult {
  const errTail = tail(stderr);
  if (exitCode !== 0) throw new TorchBenchError(command, `exited with ${exitCode === null ? "a signal" : `code ${exitCode}`}`, errTail);
  const line = stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "").pop();
  if (line === undefined) throw new TorchBenchError(command, "printed nothing on stdout (expected one JSON line)", errTail);
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new TorchBenchError(command, `printed ${JSON.stringify(line.slice(0, 200))}, not a JSON line`, errTail);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new TorchBenchError(command, `printed ${JSON.stringify(line.slice(0, 200))}, not a JSON object`, errTail);
  const o = raw as Record<string, unknown>;
  const field = mode === "train" ? "sec_per_step" : "sec_per_batch";
  const num = (name: string): number => {
    const v = o[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new TorchBenchError(command, `JSON field "${name}" is ${JSON.stringify(v) ?? "missing"}, expected a number >= 0`, errTail);
    return v;
  };
  if (o.mode !== mode) throw new TorchBenchError(command, `JSON field "mode" is ${JSON.stringify(o.mode) ?? "missing"}, expected "${mode}"`, errTail);
  return {
    mode,
    secMean: num(field),
    secMin: num("sec_min"),
    secMax: num("sec_max"),
    timed: num("timed"),
    threads: num("threads"),
    blasThreads: num("blas_threads"),
    params: typeof o.params === "number" ? o.params : null,
    torch: typeof o.torch === "string" ? o.torch : null,
    raw: o,
  };
}

export interface TorchRun {
  readonly python: string;
  readonly script: string;
  readonly modelArgs: readonly string[];
  readonly mode: "train" | "infer";
  readonly batch: number;
  readonly steps: number;
  readonly warmup: number;
  readonly threads: number;
  readonly blasThreads: number;
  /** Stop bench.py after this long (default: no limit; a Sudoku-size evaluation takes many minutes). */
  readonly timeoutMs?: number;
}

export function torchRunArgv(run: TorchRun): string[] {
  return [
    run.script, ...run.modelArgs,
    "--batch", String(run.batch), "--steps", String(run.steps), "--warmup", String(run.warmup),
    "--threads", String(run.threads), "--blas-threads", String(run.blasThreads),
    ...(run.mode === "infer" ? ["--infer"] : []),
  ];
}

/** Checks that bench.py exists before minutes are spent on our side. */
export function checkTorchScript(script: string): void {
  if (!existsSync(script)) throw new Error(`--torch-bench: no PyTorch reference bench.py at ${script}.`);
}

/** Checks that `python` imports torch, before minutes are spent on our side; a {@link TorchBenchError} otherwise. */
export function checkTorchPython(python: string): string {
  const argv = ["-c", "import torch; print(torch.__version__)"];
  const r = spawnSync(python, argv, { encoding: "utf8", timeout: 300_000 });
  const command = commandLine(python, argv);
  if (r.error !== undefined) throw new TorchBenchError(command, `could not start (${r.error.message})`, tail(r.stderr ?? ""));
  if (r.status !== 0) throw new TorchBenchError(command, `exited with ${r.status === null ? "a signal" : `code ${r.status}`}`, tail(r.stderr));
  return r.stdout.trim();
}

/** Runs bench.py as a child process and reads its JSON line; any failure is a {@link TorchBenchError}. */
export function runTorchBench(run: TorchRun): Promise<TorchBenchResult> {
  const argv = torchRunArgv(run);
  const command = commandLine(run.python, argv);
  return new Promise((resolve, reject) => {
    // No `timeout` spawn option: when the spawn itself fails, its timer would keep the process alive.
    const child = spawn(run.python, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = run.timeoutMs === undefined ? null : setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, run.timeoutMs);
    timer?.unref();
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (e) => {
      if (timer !== null) clearTimeout(timer);
      reject(new TorchBenchError(command, `could not start (${e.message})`, tail(stderr)));
    });
    child.on("close", (code) => {
      if (timer !== null) clearTimeout(timer);
      if (timedOut) return reject(new TorchBenchError(command, `still running after ${run.timeoutMs} ms, stopped`, tail(stderr)));
      try {
        resolve(parseTorchBenchOutput(run.mode, stdout, stderr, code, command));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}
