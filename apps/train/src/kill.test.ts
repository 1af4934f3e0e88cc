// kill -9 during checkpoint writes, end to end: the built command line is started as a child process, paused at a
// known moment by the TRM_PAUSE_AT hook, killed with SIGKILL, resumed, and compared byte for byte with a run that was
// never interrupted.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const built = existsSync(CLI);
if (!built) console.log(`kill -9 test skipped: ${CLI} is missing (run pnpm build first)`);

// 16 steps of 8 rows, a checkpoint every 4 steps, only the newest kept (so every checkpoint after the first prunes).
const TINY = [
  ["arch.hidden_size", 16],
  ["arch.num_heads", 2],
  ["arch.expansion", 2],
  ["arch.H_cycles", 1],
  ["arch.L_cycles", 1],
  ["arch.L_layers", 1],
  ["arch.puzzle_emb_ndim", 16],
  ["arch.puzzle_emb_len", 1],
  ["arch.halt_max_steps", 2],
  ["global_batch_size", 8],
  ["max_steps", 16],
  ["lr_warmup_steps", 2],
  ["checkpoint_every_steps", 4],
  ["checkpoint_keep", 1],
  ["eval_every_steps", 1000],
  ["eval_max_examples", 8],
].flatMap(([k, v]) => ["--set", `${k}=${v}`]);

let root: string;
let data: string;

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly paused: boolean;
}

/** Runs the CLI; with `pauseAt`, waits until it reports the pause, then kills it with SIGKILL. */
function cli(args: readonly string[], pauseAt?: string): Promise<Outcome> {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env };
    if (pauseAt === undefined) delete env.TRM_PAUSE_AT;
    else env.TRM_PAUSE_AT = pauseAt;
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let paused = false;
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
      if (!paused && pauseAt !== undefined && /paused at /.test(stderr)) {
        paused = true;
        child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stderr, paused }));
  });
}

const fitArgs = (out: string, resume: boolean) => [
  "fit",
  "--task",
  "sudoku",
  "--data",
  data,
  "--model",
  "trm",
  "--config",
  "tiny-trm-sudoku4",
  ...TINY,
  "--out",
  out,
  "--backend",
  "wasm",
  "--quiet",
  ...(resume ? ["--resume"] : []),
];

/** The metric lines without the fields that measure time or memory (those differ between any two runs). */
async function metricLines(run: string): Promise<string[]> {
  const text = await readFile(join(run, "metrics.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const { elapsed_seconds: _e, samples_per_second: _s, memory: _m, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
}

async function killedAt(out: string, pauseAt: string, resume: boolean): Promise<Outcome> {
  const r = await cli(fitArgs(out, resume), pauseAt);
  expect(r.paused, `expected a pause at ${pauseAt}; stderr:\n${r.stderr}`).toBe(true);
  expect(r.signal).toBe("SIGKILL");
  return r;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "trm-kill-"));
  data = join(root, "data");
  if (!built) return;
  const r = await cli(["build-data", "--generate", "sudoku:size=4,train=64,test=16", "--seed", "3", "--out", data]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.skipIf(!built)("trm-train fit killed with SIGKILL during checkpoint writes", () => {
  it("leaves no temporary files, orphans or duplicate metric lines, and resumes to the uninterrupted run's exact bytes", async () => {
    const reference = join(root, "reference");
    const whole = await cli(fitArgs(reference, false));
    expect(whole.code, whole.stderr).toBe(0);

    const run = join(root, "killed");
    const ckpt = join(run, "checkpoints");
    // 1. Inside the first checkpoint's atomic weights write (temp file flushed, not yet renamed): no checkpoint exists,
    //    metric lines of steps 1-4 were written.
    await killedAt(run, "^write step-00000004\\.safetensors$", false);
    expect((await readdir(ckpt)).filter((n) => n.endsWith(".tmp"))).toHaveLength(1);
    expect(await metricLines(run)).toHaveLength(4);
    // 2. Resumed (from scratch: nothing complete), killed between checkpoint 8's weights and its JSON.
    const second = await killedAt(run, "^checkpoint-json step-00000008\\.json$", true);
    expect(second.stderr).toMatch(/removed 1 file\(s\) left by an interrupted write: .*\.tmp/);
    expect(await readdir(ckpt)).toEqual(expect.arrayContaining(["step-00000004.json", "step-00000008.safetensors"]));
    expect(await readdir(ckpt)).not.toContain("step-00000008.json");
    // 3. Resumed from step 4 (the orphan weights of step 8 swept), killed while checkpoint 12 prunes step 8: its JSON
    //    is gone, its weights are not.
    const third = await killedAt(run, "^prune step-00000008\\.safetensors$", true);
    expect(third.stderr).toMatch(/removed 1 file\(s\) left by an interrupted write: .*step-00000008\.safetensors/);
    expect(await readdir(ckpt)).toEqual(expect.arrayContaining(["step-00000012.json", "step-00000008.safetensors"]));
    // 4. Resumed from step 12 to the end.
    const last = await cli(fitArgs(run, true));
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).toMatch(/removed 1 file\(s\) left by an interrupted write: .*step-00000008\.safetensors/);

    // The same files as the uninterrupted run, with the same bytes.
    const names = (await readdir(ckpt)).sort();
    expect(names).toEqual((await readdir(join(reference, "checkpoints"))).sort());
    expect(names).toEqual(["final.safetensors", "step-00000016.json", "step-00000016.safetensors"]);
    for (const name of ["final.safetensors", "step-00000016.safetensors"]) {
      const [a, b] = await Promise.all([readFile(join(ckpt, name)), readFile(join(reference, "checkpoints", name))]);
      expect(a.equals(b), `${name} differs from the uninterrupted run's`).toBe(true);
    }
    expect((await readdir(run)).sort()).toEqual(["checkpoints", "config.json", "metrics.jsonl", "run.json"]);
    // One metric line per step (and the final evaluation), equal to the uninterrupted run's but for timings.
    const lines = await metricLines(run);
    expect(lines).toEqual(await metricLines(reference));
    const steps = lines.map((l) => (JSON.parse(l) as { split: string; step: number }).split + (JSON.parse(l) as { step: number }).step);
    expect(new Set(steps).size).toBe(steps.length);
    expect(lines).toHaveLength(17);
  });
});
