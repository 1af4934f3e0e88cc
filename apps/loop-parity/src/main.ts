import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { useBackend, type BackendRequest } from "@trm/core";
import { compareTraces, formatReport } from "./compare.js";
import { DEFAULT_OPTIONS, type ParityOptions } from "./options.js";
import { DEFAULT_REF_DIR, referenceUnavailable, runReferenceLoop } from "./reference.js";
import { writePerturbed } from "./perturb.js";
import { dumpStart, runProjectLoop } from "./trace.js";

const HELP = `loop-parity: this project's training loop against the PyTorch reference loop, step by step

Trains with @trm/train's fit() for --steps steps, dumps its initial weights (official names) and the batches it drew,
runs ../shared/anchors/torch_ref/train_ref.py on exactly those, and compares per-step loss, each row's halting
decision and (after --weights-at steps) every weight. Needs a Python with torch and numpy (Debian:
apt-get install -y python3-torch python3-numpy).

Usage:
  loop-parity --data <dir> [options]

Options (defaults in brackets; the run must be one train_ref.py can express):
  --data <dir>          dataset in the official layout (trm-train build-data writes one)
  --model trm|hrm       [${DEFAULT_OPTIONS.model}]
  --hidden N            [${DEFAULT_OPTIONS.hidden}]      --heads N [${DEFAULT_OPTIONS.heads}]
  --H-layers N          [${DEFAULT_OPTIONS.hLayers}] (HRM)  --L-layers N [${DEFAULT_OPTIONS.lLayers}]
  --H-cycles N          [${DEFAULT_OPTIONS.hCycles}]       --L-cycles N [${DEFAULT_OPTIONS.lCycles}]
  --pos rope|learned|none [${DEFAULT_OPTIONS.pos}]   --mlp-t (TRM token-mixing MLP; use with --pos none)
  --halt-max-steps N    [${DEFAULT_OPTIONS.haltMaxSteps}]
  --explore P           halt_exploration_prob [${DEFAULT_OPTIONS.explore}]; 0 keeps the two loops comparable row by row
  --batch N             [${DEFAULT_OPTIONS.batch}]      --steps N [${DEFAULT_OPTIONS.steps}]
  --lr X                [${DEFAULT_OPTIONS.lr}]   --warmup N [${DEFAULT_OPTIONS.warmup}]   --wd X [${DEFAULT_OPTIONS.wd}]
  --emb-lr X            [${DEFAULT_OPTIONS.embLr}]   --emb-wd X [${DEFAULT_OPTIONS.embWd}]
  --optim adam_atan2|adamw [${DEFAULT_OPTIONS.optim}]   --ema R (0 = none) [${DEFAULT_OPTIONS.ema}]   --seed N [${DEFAULT_OPTIONS.seed}]
  --weights-at 1,10,50  steps after which every weight is compared [1 and the last step]
  --tol X               relative loss difference that counts as a divergence [1e-5]
  --noise X             also train the reference from the initial weights scaled by 1 +- X (random signs) and
                        report how fast that copy separates: the float-noise floor to judge the comparison by
                        [1e-6; 0 = skip]
  --out <dir>           where init.safetensors, batches.json, the traces and report.json go [runs/loop-parity]
  --python <path>       Python with torch and numpy [/usr/bin/python3]
  --ref-dir <dir>       folder of train_ref.py [${DEFAULT_REF_DIR}]
  --backend <b>         TensorFlow.js backend [wasm]
  --dump-only           only write init.safetensors (this project's initial weights for --seed) and batches.json
                        (the first --steps batches of fit's sampler for --seed) into --out; no training, no Python
Writes into --out: init.safetensors, batches.json, ts-trace.json, ref-trace.json (and ref-noise-trace.json), report.json.
Exit status: 0 when the loss agrees within --tol at every step, 1 when it does not, 2 when the reference cannot run.
`;

function num(flag: string, v: string | undefined, fallback: number, integer = false): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`${flag}: expected a non-negative ${integer ? "integer" : "number"}, got "${v}"`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`${flag}: expected one of ${allowed.join(", ")}, got "${v}"`);
  return v as T;
}

export async function main(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      data: { type: "string" },
      model: { type: "string" },
      hidden: { type: "string" },
      heads: { type: "string" },
      "H-layers": { type: "string" },
      "L-layers": { type: "string" },
      "H-cycles": { type: "string" },
      "L-cycles": { type: "string" },
      pos: { type: "string" },
      "mlp-t": { type: "boolean" },
      "halt-max-steps": { type: "string" },
      explore: { type: "string" },
      batch: { type: "string" },
      steps: { type: "string" },
      lr: { type: "string" },
      warmup: { type: "string" },
      wd: { type: "string" },
      "emb-lr": { type: "string" },
      "emb-wd": { type: "string" },
      optim: { type: "string" },
      ema: { type: "string" },
      seed: { type: "string" },
      "weights-at": { type: "string" },
      tol: { type: "string" },
      noise: { type: "string" },
      out: { type: "string" },
      python: { type: "string" },
      "ref-dir": { type: "string" },
      backend: { type: "string" },
      "dump-only": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!v.data) throw new Error("--data <dir> is required (a dataset built by trm-train build-data)");
  const d = DEFAULT_OPTIONS;
  const o: ParityOptions = {
    data: resolve(v.data),
    model: oneOf("--model", v.model, ["trm", "hrm"], d.model),
    hidden: num("--hidden", v.hidden, d.hidden, true),
    heads: num("--heads", v.heads, d.heads, true),
    hLayers: num("--H-layers", v["H-layers"], d.hLayers, true),
    lLayers: num("--L-layers", v["L-layers"], d.lLayers, true),
    hCycles: num("--H-cycles", v["H-cycles"], d.hCycles, true),
    lCycles: num("--L-cycles", v["L-cycles"], d.lCycles, true),
    mlpT: v["mlp-t"] ?? false,
    pos: oneOf("--pos", v.pos, ["rope", "learned", "none"], d.pos),
    haltMaxSteps: num("--halt-max-steps", v["halt-max-steps"], d.haltMaxSteps, true),
    explore: num("--explore", v.explore, d.explore),
    batch: num("--batch", v.batch, d.batch, true),
    steps: num("--steps", v.steps, d.steps, true),
    lr: num("--lr", v.lr, d.lr),
    warmup: num("--warmup", v.warmup, d.warmup, true),
    wd: num("--wd", v.wd, d.wd),
    embLr: num("--emb-lr", v["emb-lr"], d.embLr),
    embWd: num("--emb-wd", v["emb-wd"], d.embWd),
    optim: oneOf("--optim", v.optim, ["adam_atan2", "adamw"], d.optim),
    ema: num("--ema", v.ema, d.ema),
    seed: num("--seed", v.seed, d.seed, true),
  };
  const weightsAt = new Set(
    v["weights-at"] === undefined ? [1, o.steps] : v["weights-at"].split(",").map((s) => num("--weights-at", s.trim(), 0, true)),
  );
  const tol = num("--tol", v.tol, 1e-5);
  const noise = num("--noise", v.noise, 1e-6);
  const out = resolve(v.out ?? "runs/loop-parity");
  if (v["dump-only"]) {
    await useBackend((v.backend ?? "wasm") as BackendRequest, { log: null });
    const files = await dumpStart(o, out);
    process.stdout.write(`${files.initPath}\n${files.batchesPath}\n`);
    return 0;
  }
  const python = v.python ?? "/usr/bin/python3";
  const refDir = resolve(v["ref-dir"] ?? DEFAULT_REF_DIR);
  const why = referenceUnavailable(python, refDir);
  if (why) {
    process.stderr.write(`loop-parity: skipped: ${why}\n`);
    return 2;
  }
  await useBackend((v.backend ?? "wasm") as BackendRequest, { log: null });
  process.stderr.write(`loop-parity: ${o.steps} steps of this project's fit()...\n`);
  const ts = await runProjectLoop(o, out, weightsAt);
  process.stderr.write(`loop-parity: ${o.steps} steps of train_ref.py on the same weights and batches...\n`);
  const env = { python, refDir };
  const ref = await runReferenceLoop(o, { initPath: ts.initPath, batchesPath: ts.batchesPath, outPath: join(out, "ref-trace.json") }, weightsAt, env);
  const report = compareTraces(ts.trace, ref, tol);
  let floor: ReturnType<typeof compareTraces> | null = null;
  if (noise > 0) {
    process.stderr.write(`loop-parity: train_ref.py again from the weights perturbed by ${noise} (the float-noise floor)...\n`);
    const noisyInit = join(out, "init-perturbed.safetensors");
    await writePerturbed(ts.initPath, noisyInit, noise, o.seed + 1);
    const noisy = await runReferenceLoop(o, { initPath: noisyInit, batchesPath: ts.batchesPath, outPath: join(out, "ref-noise-trace.json") }, weightsAt, env);
    floor = compareTraces(noisy, ref, tol);
  }
  await writeFile(join(out, "report.json"), `${JSON.stringify({ options: o, tol, noise, project_vs_reference: report, noise_floor: floor }, null, 1)}\n`);
  process.stdout.write(`== this project's loop against train_ref.py ==\n${formatReport(report, tol)}\n`);
  if (floor) process.stdout.write(`== train_ref.py from weights perturbed by ${noise} against train_ref.py (float-noise floor) ==\n${formatReport(floor, tol)}\n`);
  process.stdout.write(`(per-step details: ${join(out, "report.json")})\n`);
  return report.firstLossDivergence === null ? 0 : 1;
}
