// Runs in a scratch npm project where the packed tarballs are installed: imports every entry of every installed
// @trm package from Node ESM, trains one step through the `trm-train` command and one through the library, solves a
// puzzle from each run, and bundles each browser-safe main entry for the browser. Prints one "ok" line per check and
// exits non-zero on the first failure.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const here = resolve(".");
const ok = (what) => console.log(`ok ${what}`);
const bin = (name) => join(here, "node_modules", ".bin", name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: here, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TRM_NATIVE_KERNELS: "0" } });

// 1. Every export of every installed @trm package, from Node ESM.
const scope = join(here, "node_modules", "@trm");
const installed = readdirSync(scope).sort();
for (const dir of installed) {
  const manifest = JSON.parse(readFileSync(join(scope, dir, "package.json"), "utf8"));
  const subpaths = Object.keys(manifest.exports ?? {}).filter((k) => !k.endsWith(".json"));
  for (const sub of subpaths) {
    const specifier = sub === "." ? manifest.name : `${manifest.name}/${sub.slice(2)}`;
    const mod = await import(specifier);
    if (Object.keys(mod).length === 0) throw new Error(`${specifier} exports nothing`);
    ok(`import ${specifier} (${Object.keys(mod).length} exports)`);
  }
  for (const name of Object.keys(manifest.bin ?? {})) {
    const help = run(bin(name), ["--help"]);
    if (!help.includes(name)) throw new Error(`${name} --help does not name the command:\n${help}`);
    ok(`${name} --help (from ${manifest.name})`);
  }
}

// 2. One training step through the installed command line, then solve() on its run.
run(bin("trm-train"), ["build-data", "--generate", "sudoku:size=4,train=32,test=8", "--out", "data/sudoku4"]);
run(bin("trm-train"), ["fit", "--task", "sudoku", "--data", "data/sudoku4", "--model", "trm", "--config", "tiny-trm-sudoku4", "--set", "global_batch_size=8", "--max-steps", "1", "--backend", "wasm", "--quiet", "--out", "runs/cli"]);
if (!readdirSync("runs/cli/checkpoints").some((f) => f.endsWith(".safetensors"))) throw new Error("trm-train fit wrote no checkpoint");
ok("trm-train build-data + fit (1 step)");

const { createTrm, useBackend } = await import("@trm/core");
const { createHrm } = await import("@trm/hrm-baseline");
const { gridFromRows, gridToRows, TrainSampler } = await import("@trm/data");
const { readDataset } = await import("@trm/data/node");
const { createModel, fit, loadRun, modelRegistry, resolveTrainConfig, totalStepsFor, PRESETS } = await import("@trm/train");

await useBackend("wasm", { log: null });
const puzzle = gridFromRows([[1, 0, 0, 4], [0, 4, 1, 0], [2, 0, 0, 1], [0, 1, 2, 0]]);
async function solveFrom(runDir) {
  const solver = await loadRun(runDir, { models: { trm: createTrm, hrm: createHrm } });
  try {
    const [solution] = await solver.solve([puzzle]);
    const rows = gridToRows(solution.answer);
    if (rows.length !== 4 || rows.some((r) => r.length !== 4)) throw new Error(`${runDir}: solve() gave ${JSON.stringify(rows)}`);
    if (solution.steps.length === 0) throw new Error(`${runDir}: solve() gave no supervision steps`);
    return `${JSON.stringify(rows)} after ${solution.steps.length} steps`;
  } finally {
    solver.dispose();
  }
}
ok(`solve() on the trm-train run: ${await solveFrom("runs/cli")}`);

// 3. One training step through the library, then solve() on its run.
const config = await resolveTrainConfig({ config: "tiny-trm-sudoku4", sets: ["global_batch_size=8", "data_path=data/sudoku4"] }, PRESETS);
const train = readDataset("data/sudoku4", "train");
const { vocab_size, seq_len, num_puzzle_identifiers } = train.metadata;
const model = createModel(modelRegistry({ trm: createTrm, hrm: createHrm }), config.arch, { vocab_size, seq_len, num_puzzle_identifiers }, config.seed);
const result = await fit({
  model,
  config,
  totalSteps: totalStepsFor(config, train.metadata),
  createSampler: (o, state) => (state ? TrainSampler.restore(train, o, state) : new TrainSampler(train, o)),
  runDir: "runs/lib",
  budget: { maxSteps: 1 },
});
model.dispose();
if (result.step !== 1 || result.weights === null) throw new Error(`fit: ${JSON.stringify({ status: result.status, step: result.step })}`);
ok(`fit() (1 step, ${result.status})`);
ok(`solve() on the fit() run: ${await solveFrom("runs/lib")}`);

// 4. The browser-safe main entries bundle for the browser from the installed packages.
const { build } = await import("esbuild");
for (const entry of ["@trm/data", "@trm/core", "@trm/hrm-baseline", "@trm/eval"]) {
  const out = await build({ stdin: { contents: `export * from "${entry}";`, resolveDir: here }, bundle: true, write: false, platform: "browser", format: "esm", logLevel: "silent" });
  ok(`esbuild --platform=browser ${entry} (${out.outputFiles[0].contents.length} bytes)`);
}
if (!existsSync(join(here, "runs/lib/config.json"))) throw new Error("fit() wrote no config.json");
console.log("smoke: all checks passed");
