import { BENCH_CONFIGS } from "./configs.js";
import { DEFAULT_TORCH_PYTHON } from "./torch-ref.js";

export type BenchBackend = "wasm" | "cpu" | "webgpu" | "tensorflow" | "tensorflow-gpu";
const BACKENDS: readonly BenchBackend[] = ["wasm", "cpu", "webgpu", "tensorflow", "tensorflow-gpu"];

export interface BenchArgs {
  readonly backend: BenchBackend;
  /** Dawn options for the webgpu backend (`backend=vulkan`, ...). */
  readonly webgpuFlags: readonly string[];
  /** Configuration names to run, in order; empty runs none. */
  readonly configs: readonly string[];
  readonly warmup: number;
  readonly runs: number;
  readonly evalWarmup: number;
  readonly evalRuns: number;
  readonly evalSteps: number;
  /** Run the optional native kernels under wasm (@trm/native-kernels). */
  readonly native: boolean;
  /** wasm: every configuration on pure wasm and with the native kernels, alternately, in one table. */
  readonly sideBySide: boolean;
  /** Alternations of pure wasm and native per configuration with --side-by-side. */
  readonly rounds: number;
  /** Training steps of the memory soak after the timings (0: none): numTensors and RSS must stay flat. */
  readonly soak: number;
  /** Probe the largest micro-batch in child processes. */
  readonly probe: boolean;
  readonly probeMax: number;
  readonly probeBudgetSec: number;
  /** Time the data generators and the dataset build. */
  readonly data: boolean;
  /** Run the ceiling comparison (matMul shapes and a SwiGLU training step, pure wasm vs native kernels). */
  readonly ceiling: boolean;
  readonly outDir: string;
  /** Every configuration against the PyTorch reference's bench.py, interleaved over --rounds. */
  readonly vsTorch: boolean;
  /** bench.py; null: ../shared/anchors/torch_ref/bench.py from the repository root. */
  readonly torchBench: string | null;
  readonly torchPython: string;
  /** --vs-torch: time one full evaluation on each side (--no-eval: training steps only). */
  readonly eval: boolean;
  /** --vs-torch: run our side at bench.py's halt_max_steps (16) when only that field differs. */
  readonly torchMatchHalt: boolean;
  /** Internal: one training step at `batch` in this process, JSON on stdout (the micro-batch probe's child). */
  readonly probeChild: boolean;
  readonly batch: number | null;
  readonly help: boolean;
}

export const USAGE = `Usage: pnpm bench [options]
  --backend wasm|cpu|webgpu|tensorflow|tensorflow-gpu
                                                 backend (default wasm); webgpu runs on any adapter, software ones
                                                 (lavapipe, SwiftShader) included: their times say nothing about a GPU
  --webgpu-flag key=value                        a Dawn option for webgpu (repeatable), e.g. backend=vulkan
  --config <name>[,<name>...]                    configurations (default all): ${BENCH_CONFIGS.map((c) => c.name).join(", ")}; "none" for none
  --runs N --warmup N                            timed / untimed training steps (default 3 / 1)
  --eval-runs N --eval-warmup N                  timed / untimed full evaluations (default 1 / 0)
  --eval-steps N                                 supervision steps of one evaluation (default 16)
  --batch N                                      override the configurations' micro-batch
  --native                                       run the native kernels under wasm (@trm/native-kernels)
  --side-by-side                                 wasm: time each configuration on pure wasm and with the native
                                                 kernels, alternating --rounds times, and print both with the ratio
  --rounds N                                     alternations of --side-by-side or --vs-torch (default 2)
  --vs-torch                                     wasm: each configuration against the PyTorch reference (bench.py),
                                                 interleaved per round: ours (native kernels when available), then
                                                 PyTorch at 1 thread / 1 BLAS thread and 1 / 2; prints the ratios
  --torch-bench PATH                             bench.py (default ../shared/anchors/torch_ref/bench.py from the repo root)
  --torch-python PATH                            Python with torch (default ${DEFAULT_TORCH_PYTHON})
  --no-eval                                      --vs-torch: training steps only, no full evaluation
  --torch-match-halt                             --vs-torch: a configuration whose halt_max_steps differs from
                                                 bench.py's fixed 16 runs at 16 on our side too (said in the table)
  --soak N                                       N training steps per configuration in place of the timing table
                                                 (after --side-by-side, if given); numTensors and RSS must stay flat
                                                 (exit code 1 otherwise)
  --no-probe                                     skip the largest-micro-batch probe
  --probe-max N --probe-budget SECONDS           probe cap (default 256) and time budget (default 600)
  --no-data                                      skip the data generator timings
  --ceiling                                      compare pure wasm and the native kernels on products and a SwiGLU step
  --out DIR                                      where JSON results go (default bench-results)`;

function intArg(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag}: expected an integer >= ${min}, got "${value ?? ""}".`);
  return n;
}

function nonEmpty(flag: string, value: string | undefined): string {
  if (value === undefined || value.trim() === "") throw new Error(`${flag}: expected a path, got "${value ?? ""}".`);
  return value;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  let backend: BenchBackend = "wasm";
  const webgpuFlags: string[] = [];
  let configs: string[] = BENCH_CONFIGS.map((c) => c.name);
  let warmup = 1;
  let runs = 3;
  let evalWarmup = 0;
  let evalRuns = 1;
  let evalSteps = 16;
  let native = false;
  let sideBySide = false;
  let rounds = 2;
  let soak = 0;
  let probe = true;
  let probeMax = 256;
  let probeBudgetSec = 600;
  let data = true;
  let ceiling = false;
  let outDir = "bench-results";
  let vsTorch = false;
  let torchBench: string | null = null;
  let torchPython = DEFAULT_TORCH_PYTHON;
  let evalOn = true;
  let torchMatchHalt = false;
  let probeChild = false;
  let batch: number | null = null;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--backend": {
        const v = value();
        if (!BACKENDS.includes(v as BenchBackend)) throw new Error(`--backend: expected one of ${BACKENDS.join(", ")}, got "${v ?? ""}".`);
        backend = v as BenchBackend;
        break;
      }
      case "--webgpu-flag": {
        const v = value() ?? "";
        if (!/^[a-z][a-z0-9-]*=/.test(v)) throw new Error(`--webgpu-flag: expected key=value (e.g. backend=vulkan), got "${v}".`);
        webgpuFlags.push(v);
        break;
      }
      case "--config": {
        const v = value() ?? "";
        configs = v === "none" ? [] : v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
        for (const c of configs) {
          if (!BENCH_CONFIGS.some((x) => x.name === c)) {
            throw new Error(`--config: unknown configuration "${c}", expected one of ${BENCH_CONFIGS.map((x) => x.name).join(", ")}.`);
          }
        }
        break;
      }
      case "--runs": runs = intArg(flag, value(), 1); break;
      case "--warmup": warmup = intArg(flag, value(), 0); break;
      case "--eval-runs": evalRuns = intArg(flag, value(), 1); break;
      case "--eval-warmup": evalWarmup = intArg(flag, value(), 0); break;
      case "--eval-steps": evalSteps = intArg(flag, value(), 1); break;
      case "--batch": batch = intArg(flag, value(), 1); break;
      case "--native": native = true; break;
      case "--side-by-side": sideBySide = true; break;
      case "--rounds": rounds = intArg(flag, value(), 1); break;
      case "--soak": soak = intArg(flag, value(), 0); break;
      case "--no-probe": probe = false; break;
      case "--probe-max": probeMax = intArg(flag, value(), 1); break;
      case "--probe-budget": probeBudgetSec = intArg(flag, value(), 1); break;
      case "--no-data": data = false; break;
      case "--ceiling": ceiling = true; break;
      case "--out": outDir = value() ?? outDir; break;
      case "--vs-torch": vsTorch = true; break;
      case "--torch-bench": torchBench = nonEmpty(flag, value()); break;
      case "--torch-python": torchPython = nonEmpty(flag, value()); break;
      case "--no-eval": evalOn = false; break;
      case "--torch-match-halt": torchMatchHalt = true; break;
      case "--probe-child": probeChild = true; break;
      case "--help": case "-h": help = true; break;
      default: throw new Error(`Unknown argument "${a}".\n${USAGE}`);
    }
  }
  if (sideBySide && backend !== "wasm") throw new Error(`--side-by-side compares pure wasm with the native kernels: it needs --backend wasm, got "${backend}".`);
  if (vsTorch) {
    if (sideBySide) throw new Error("--vs-torch and --side-by-side are separate comparisons: give one of them.");
    if (backend !== "wasm") throw new Error(`--vs-torch runs this project on wasm (with the native kernels when available): it needs --backend wasm, got "${backend}".`);
    if (soak > 0) throw new Error("--vs-torch and --soak are separate runs: give one of them.");
    if (evalOn && evalSteps !== 16) throw new Error(`--eval-steps: --vs-torch compares with bench.py's evaluation of halt_max_steps = 16 steps, got ${evalSteps} (or give --no-eval).`);
  } else {
    for (const [flag, given] of [["--torch-bench", torchBench !== null], ["--torch-python", torchPython !== DEFAULT_TORCH_PYTHON], ["--no-eval", !evalOn], ["--torch-match-halt", torchMatchHalt]] as const) {
      if (given) throw new Error(`${flag} only applies with --vs-torch.`);
    }
  }
  return {
    backend, webgpuFlags, configs, warmup, runs, evalWarmup, evalRuns, evalSteps, native, sideBySide, rounds, soak, probe, probeMax, probeBudgetSec, data, ceiling, outDir,
    vsTorch, torchBench, torchPython, eval: evalOn, torchMatchHalt, probeChild, batch, help,
  };
}
