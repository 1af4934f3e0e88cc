import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { refArgs, type ParityOptions } from "./options.js";
import type { Trace } from "./trace.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/** ref_trace.py sits beside src/ and dist/. */
export const REF_TRACE_SCRIPT = resolve(HERE, "..", "ref_trace.py");
/** The repository root (apps/loop-parity/{src,dist} -> ../../..). */
const REPO_ROOT = resolve(HERE, "..", "..", "..");
/** Where the PyTorch reference lives by default: $TRM_TORCH_REF, else `../shared/anchors/torch_ref` beside the repository. */
export const DEFAULT_REF_DIR = process.env.TRM_TORCH_REF ?? resolve(REPO_ROOT, "..", "shared", "anchors", "torch_ref");

/**
 * Why the reference cannot run here, or null when it can: `python` must import torch and numpy, and `refDir` must hold
 * train_ref.py. Debian: `apt-get install -y python3-torch python3-numpy`, then use `/usr/bin/python3`.
 */
export function referenceUnavailable(python: string, refDir: string): string | null {
  if (!existsSync(join(refDir, "train_ref.py"))) return `the PyTorch reference is not at ${refDir} (train_ref.py missing; see --ref-dir)`;
  const r = spawnSync(python, ["-c", "import torch, numpy"], { encoding: "utf8" });
  if (r.error) return `${python} cannot be run (${r.error.message}); install Debian's python3-torch python3-numpy`;
  if (r.status !== 0) return `${python} cannot import torch and numpy; install Debian's python3-torch python3-numpy`;
  return null;
}

/** Runs train_ref.py (through ref_trace.py) on the dumped initial weights and batches and returns its trace. */
export async function runReferenceLoop(
  o: ParityOptions,
  files: { readonly initPath: string; readonly batchesPath: string; readonly outPath: string },
  weightsAt: ReadonlySet<number>,
  env: { readonly python: string; readonly refDir: string },
): Promise<Trace> {
  const args = [
    REF_TRACE_SCRIPT,
    "--ref-dir", env.refDir,
    "--out", files.outPath,
    "--weights-at", [...weightsAt].join(","),
    "--",
    ...refArgs(o),
    "--init", files.initPath,
    "--batches", files.batchesPath,
    "--threads", "1",
    "--log-every", String(1_000_000),
    "--eval-rows", "1",
  ];
  const r = spawnSync(env.python, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, OMP_NUM_THREADS: "1" } });
  if (r.error) throw new Error(`loop-parity: cannot run ${env.python}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`loop-parity: the reference loop failed (exit ${r.status}):\n${r.stderr.slice(-4000)}`);
  return JSON.parse(await readFile(files.outPath, "utf8")) as Trace;
}
