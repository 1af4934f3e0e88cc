#!/usr/bin/env node
// Feeds malformed input to every surface of the built command lines (trm-train, trm-compare) and classifies each
// outcome: "named" (non-zero exit, the message names the file/field/flag it should), "silent" (exit 0), "unclear"
// (raw engine text, or the expected name is missing), "hang" (no answer within the time limit).
// Usage: pnpm build && node apps/train/scripts/hostile-sweep.mjs [--keep]   (about a minute on an idle 2-core box)
// Full-disk and read-only cases mount small tmpfs folders and run only as root; otherwise they are listed as skipped.
import { spawnSync, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync, copyFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const TRAIN = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const COMPARE = fileURLToPath(new URL("../../compare/dist/cli.js", import.meta.url));
if (!existsSync(TRAIN) || !existsSync(COMPARE)) {
  console.error("build first: pnpm build");
  process.exit(2);
}
const root = mkdtempSync(join(tmpdir(), "trm-sweep-"));
const RAW = /TypeError|ReferenceError|SyntaxError: Unexpected|Cannot read propert|Maximum call stack|Invalid typed array length|memory access out of bounds|is not a function|undefined \(reading|\bat .*\.js:\d+/;
const isRoot = process.getuid?.() === 0;

function run(bin, args, { timeout = Number(process.env.SWEEP_TIMEOUT_MS ?? 240_000), env = {} } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout, env: { ...process.env, ...env }, cwd: root });
  return { code: r.status, stderr: `${r.stderr ?? ""}`, stdout: `${r.stdout ?? ""}`, timedOut: r.error?.code === "ETIMEDOUT" };
}
const train = (args, o) => run(TRAIN, args, o);

// A valid tiny dataset and a valid finished run to damage.
const data = join(root, "data");
const ok = train(["build-data", "--generate", "sudoku:size=4,train=32,test=8", "--out", data]);
if (ok.code !== 0) throw new Error(`build-data failed (${ok.timedOut ? "timed out" : `exit ${ok.code}`}):\n${ok.stderr}`);
const TINY = ["--set", "arch.hidden_size=16", "--set", "arch.num_heads=2", "--set", "arch.puzzle_emb_ndim=16", "--set", "arch.L_layers=1", "--set", "arch.H_cycles=1", "--set", "arch.L_cycles=1", "--set", "arch.halt_max_steps=2", "--set", "global_batch_size=8", "--set", "max_steps=2", "--set", "eval_max_examples=8"];
const fitArgs = (out, extra = []) => ["fit", "--task", "sudoku", "--data", data, "--model", "trm", "--config", "tiny-trm-sudoku4", ...TINY, "--backend", "wasm", "--quiet", "--out", out, ...extra];
const good = join(root, "good-run");
const g = train(fitArgs(good));
if (g.code !== 0) throw new Error(`fit failed:\n${g.stderr}`);

let n = 0;
const file = (name, text) => {
  const p = join(root, `in${n++}-${name}`);
  writeFileSync(p, text);
  return p;
};
/** A Kaggle-style pair of files in a folder of its own; the challenges file's path (solutions omitted when null). */
const kaggle = (name, challenges, solutions = null) => {
  const dir = join(root, `${name}-${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "arc-agi_training_challenges.json"), JSON.stringify(challenges));
  if (solutions !== null) writeFileSync(join(dir, "arc-agi_training_solutions.json"), JSON.stringify(solutions));
  return join(dir, "arc-agi_training_challenges.json");
};
const copyDir = (from, name) => {
  const to = join(root, `${name}-${n++}`);
  execFileSync("cp", ["-r", from, to]);
  return to;
};
const editJson = (p, fn) => writeFileSync(p, JSON.stringify(fn(JSON.parse(readFileSync(p, "utf8")))));
const dsWith = (fn) => {
  const d = copyDir(data, "data");
  fn(d);
  return d;
};
const runWith = (fn) => {
  const d = copyDir(good, "run");
  fn(d);
  return d;
};
const ck = (run) => join(run, "checkpoints", "step-00000002.json");
const ckw = (run) => join(run, "checkpoints", "step-00000002.safetensors");
const evalRun = (run) => ["eval", "--run", run, "--backend", "wasm"];

/** [surface, description, () => argv-or-{bin,args,env}, regex the message must contain] */
const cases = [
  // Sudoku / maze CSV
  ["csv", "sudoku CSV without a header", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", "1,2\n"), "--out", join(root, "o1")], /train\.csv/],
  ["csv", "sudoku CSV, answer of the wrong length", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", "source,question,answer,rating\nx,1...,1234,0\n"), "--out", join(root, "o2")], /train\.csv.*(row|line)/i],
  ["csv", "sudoku CSV, letters in the grid", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", `source,question,answer,rating\nx,${"z".repeat(81)},${"1".repeat(81)},0\n`), "--out", join(root, "o3")], /train\.csv/],
  ["csv", "sudoku CSV, header only", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", "source,question,answer,rating\n"), "--out", join(root, "o4")], /train\.csv|no puzzles/],
  ["csv", "maze CSV, ragged rows", () => ["build-data", "--task", "maze", "--src", file("train.csv", "source,question,answer,rating\nx,#S,#G,0\n"), "--out", join(root, "o5")], /train\.csv/],
  ["csv", "missing --src file", () => ["build-data", "--task", "sudoku", "--src", join(root, "nope.csv"), "--out", join(root, "o6")], /nope\.csv/],
  ["csv", "binary garbage as CSV", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", "\u0000\u0001\u0002\uffff"), "--out", join(root, "o7")], /train\.csv/],
  // ARC JSON / Kaggle
  ["arc", "ARC task not JSON", () => ["build-data", "--task", "arc", "--src", file("t.json", "{"), "--out", join(root, "o8")], /t\.json/],
  ["arc", "ARC task, grid of 31 rows", () => ["build-data", "--task", "arc", "--src", file("t.json", JSON.stringify({ train: [{ input: Array(31).fill([1]), output: [[1]] }], test: [] })), "--out", join(root, "o9")], /t\.json.*(rows|30)/],
  ["arc", "ARC task, colour 10", () => ["build-data", "--task", "arc", "--src", file("t.json", JSON.stringify({ train: [{ input: [[10]], output: [[1]] }], test: [] })), "--out", join(root, "o10")], /t\.json/],
  ["arc", "ARC task, deep nesting", () => ["build-data", "--task", "arc", "--src", file("t.json", "[".repeat(100000) + "]".repeat(100000)), "--out", join(root, "o11")], /t\.json/],
  ["arc", "Kaggle challenges with null task", () => ["build-data", "--task", "arc", "--src", kaggle("k1", { abc: null }, { abc: [[[1]]] }), "--out", join(root, "o12")], /challenges\.json.*abc/],
  ["arc", "Kaggle challenges without the solutions file", () => ["build-data", "--task", "arc", "--src", kaggle("k1b", { abc: { train: [{ input: [[1]], output: [[1]] }], test: [{ input: [[1]] }] } }), "--out", join(root, "o12b")], /solutions\.json/],
  ["arc", "Kaggle challenges, test pair without input", () => ["build-data", "--task", "arc", "--src", file("arc-agi_training_challenges.json", JSON.stringify({ abc: { train: [{ input: [[1]], output: [[1]] }], test: [{}] } })), "--out", join(root, "o13")], /challenges\.json/],
  // generators
  ["generate", "train=1e9", () => ["build-data", "--generate", "sudoku:size=4,train=1e9", "--out", join(root, "o14")], /train/],
  ["generate", "unknown key", () => ["build-data", "--generate", "sudoku:size=4,trian=5", "--out", join(root, "o15")], /trian/],
  ["generate", "minClues above the cells", () => ["build-data", "--generate", "sudoku:size=4,train=5,minClues=99", "--out", join(root, "o16")], /minClues/],
  ["generate", "maze side 2", () => ["build-data", "--generate", "maze:side=2,train=5", "--out", join(root, "o17")], /side/],
  // dataset.json / .npy
  ["dataset", "dataset.json not JSON", () => fitArgs(join(root, "r1"), ["--data", dsWith((d) => writeFileSync(join(d, "train", "dataset.json"), "{"))]), /dataset\.json/],
  ["dataset", "sets escaping the folder", () => fitArgs(join(root, "r2"), ["--data", dsWith((d) => editJson(join(d, "train", "dataset.json"), (j) => ({ ...j, sets: ["../../x/all"] })))]), /sets/],
  ["dataset", "vocab_size 20000000", () => fitArgs(join(root, "r3"), ["--data", dsWith((d) => editJson(join(d, "train", "dataset.json"), (j) => ({ ...j, vocab_size: 20000000 })))]), /vocab_size/],
  ["dataset", "mean_puzzle_examples 1e308", () => fitArgs(join(root, "r4"), ["--data", dsWith((d) => editJson(join(d, "train", "dataset.json"), (j) => ({ ...j, mean_puzzle_examples: 1e308 })))]), /mean_puzzle_examples/],
  ["dataset", "test seq_len differs from train", () => fitArgs(join(root, "r5"), ["--data", dsWith((d) => editJson(join(d, "test", "dataset.json"), (j) => ({ ...j, seq_len: 17 })))]), /seq_len/],
  ["dataset", "maze task on sudoku data", () => fitArgs(join(root, "r6")).map((a) => (a === "sudoku" ? "maze" : a)), /maze|task/],
  ["npy", "inputs .npy truncated", () => fitArgs(join(root, "r7"), ["--data", dsWith((d) => writeFileSync(join(d, "train", "all__inputs.npy"), readFileSync(join(d, "train", "all__inputs.npy")).subarray(0, 100)))]), /all__inputs\.npy/],
  ["npy", "inputs .npy not npy", () => fitArgs(join(root, "r8"), ["--data", dsWith((d) => writeFileSync(join(d, "train", "all__inputs.npy"), "hello"))]), /all__inputs\.npy/],
  ["npy", "labels .npy missing", () => fitArgs(join(root, "r9"), ["--data", dsWith((d) => rmSync(join(d, "train", "all__labels.npy")))]), /all__labels\.npy/],
  // config / --set
  ["config", "YAML with a typo key", () => fitArgs(join(root, "r10"), ["--config", file("c.yaml", "arch:\n  name: trm\nlearning_rate: 1\n")]), /learning_rate/],
  ["config", "YAML not parseable", () => fitArgs(join(root, "r11"), ["--config", file("c.yaml", "arch: [\n")]), /c\.yaml/],
  ["config", "JSON config array", () => fitArgs(join(root, "r12"), ["--config", file("c.json", "[1]")]), /c\.json/],
  ["set", "--set lr=0", () => fitArgs(join(root, "r13"), ["--set", "lr=0"]), /lr/],
  ["set", "--set __proto__.lr=7", () => fitArgs(join(root, "r14"), ["--set", "__proto__.lr=7"]), /__proto__/],
  ["set", "--set arch.forward_dtype=garbage", () => fitArgs(join(root, "r15"), ["--set", "arch.forward_dtype=garbage"]), /forward_dtype/],
  ["set", "--set without =", () => fitArgs(join(root, "r16"), ["--set", "lr"]), /--set/],
  ["set", "--set arch.hidden_size=100000 (model size)", () => fitArgs(join(root, "r17"), ["--set", "arch.hidden_size=100000", "--set", "arch.num_heads=1"]), /hidden_size.*limit/],
  // CLI flags of trm-train
  ["flags", "--max-steps 1.5", () => fitArgs(join(root, "r18"), ["--max-steps", "1.5"]), /--max-steps/],
  ["flags", "--max-steps ten", () => fitArgs(join(root, "r19"), ["--max-steps", "ten"]), /--max-steps/],
  ["flags", "--max-seconds -1", () => fitArgs(join(root, "r20"), ["--max-seconds", "-1"]), /--max-seconds/],
  ["flags", "--backend gpu", () => fitArgs(join(root, "r21"), ["--backend", "gpu"]), /--backend/],
  ["flags", "--max-step typo", () => fitArgs(join(root, "r22"), ["--max-step", "3"]), /--max-steps/],
  ["flags", "subcommand typo fitt", () => ["fitt"], /fit/],
  ["flags", "fit without --out", () => fitArgs("x").slice(0, -2), /--out/],
  ["flags", "eval --steps 0", () => [...evalRun(good), "--steps", "0"], /--steps/],
  ["flags", "eval --run of an empty folder", () => evalRun(join(root, "empty")), /empty/],
  ["flags", "eval --weights missing", () => ["eval", "--weights", join(root, "no.safetensors"), "--config", join(good, "config.json"), "--data", data], /no\.safetensors/],
  // run folders
  ["run", "fit into a used folder", () => fitArgs(good), /not empty|--resume|--overwrite/],
  ["run", "resume a folder that is no run", () => fitArgs(dsWith(() => undefined), ["--resume"]), /not a run folder|config\.json/],
  // safetensors
  ["safetensors", "truncated weights", () => evalRun(runWith((r) => writeFileSync(ckw(r), readFileSync(ckw(r)).subarray(0, 50)))), /step-00000002\.safetensors/],
  ["safetensors", "header length 2^53", () => evalRun(runWith((r) => { const b = Buffer.alloc(16); b.writeBigUInt64LE(2n ** 53n); writeFileSync(ckw(r), b); })), /step-00000002\.safetensors/],
  ["safetensors", "NaN weights", () => evalRun(runWith((r) => { const b = readFileSync(ckw(r)); const h = Number(b.readBigUInt64LE(0)); b.fill(0xff, 8 + h); writeFileSync(ckw(r), b); })), /step-00000002\.safetensors.*NaN/],
  // checkpoint JSON
  ["checkpoint", "weights path outside the folder", () => evalRun(runWith((r) => editJson(ck(r), (j) => ({ ...j, weights: "../../x.safetensors" })))), /weights/],
  ["checkpoint", "samples a string (resume)", () => fitArgs(runWith((r) => editJson(ck(r), (j) => ({ ...j, samples: "x" }))), ["--resume", "--set", "max_steps=3"]), /samples/],
  ["checkpoint", "sampler order out of range (resume)", () => fitArgs(runWith((r) => editJson(ck(r), (j) => ({ ...j, sampler: { ...j.sampler, order: j.sampler.order.map(() => 99) } }))), ["--resume", "--set", "max_steps=3"]), /sampler.*order/],
  ["checkpoint", "haltingRng wrong (resume)", () => fitArgs(runWith((r) => editJson(ck(r), (j) => ({ ...j, haltingRng: [1] }))), ["--resume", "--set", "max_steps=3"]), /haltingRng/],
  ["checkpoint", "JSON truncated (eval)", () => evalRun(runWith((r) => writeFileSync(ck(r), "{\"format\""))), /step-00000002\.json/],
  // trm-compare
  ["compare", "unknown flag", () => ({ bin: COMPARE, args: ["--modle", "trm"] }), /--modle|--model/],
  ["compare", "--test-limit 0", () => ({ bin: COMPARE, args: ["--test-limit", "0"] }), /--test-limit/],
  ["compare", "--set bad key", () => ({ bin: COMPARE, args: ["--set", "lrr=1"] }), /lrr/],
  ["compare", "reused --out", () => ({ bin: COMPARE, args: ["--out", good, "--backend", "wasm"] }), /not empty|--overwrite|holds a trm-train run/],
];

// Read-only and full folders (tmpfs mounts, root only).
const mounts = [];
function mount(options) {
  const dir = join(root, `mnt${n++}`);
  mkdirSync(dir);
  execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  mounts.push(dir);
  return dir;
}
if (isRoot) {
  cases.push(["disk", "fit --out on a read-only folder", () => fitArgs(join(mount("ro,size=64k"), "run")), /EROFS|read-only/]);
  cases.push(["disk", "fit --out on a full disk (64 KiB)", () => fitArgs(join(mount("size=64k"), "run")), /ENOSPC|no space/i]);
  cases.push(["disk", "build-data --out on a full disk", () => ["build-data", "--generate", "sudoku:size=4,train=2000,test=8", "--out", join(mount("size=16k"), "d")], /ENOSPC|no space/i]);
}

const counts = { named: 0, silent: 0, unclear: 0, hang: 0 };
try {
  for (const [surface, what, make, expected] of cases) {
    const spec = make();
    const { bin, args } = Array.isArray(spec) ? { bin: TRAIN, args: spec } : spec;
    const r = run(bin, args);
    const text = r.stderr + r.stdout;
    const kind = r.timedOut ? "hang" : r.code === 0 ? "silent" : RAW.test(r.stderr) || !expected.test(r.stderr) ? "unclear" : "named";
    counts[kind]++;
    const lines = text.split("\n");
    const first = (lines.find((l) => /^(trm-[a-z-]+|warning):/.test(l)) ?? lines.find((l) => l && !/^(backend|Warning):/.test(l)) ?? "").slice(0, 200);
    console.log(`${kind.padEnd(7)} ${surface.padEnd(11)} ${what}: ${first}`);
  }
} finally {
  for (const m of mounts) spawnSync("umount", [m]);
  if (!process.argv.includes("--keep")) rmSync(root, { recursive: true, force: true });
}
console.log(`\n${cases.length} cases: ${counts.named} named errors, ${counts.silent} silent, ${counts.unclear} unclear, ${counts.hang} hangs${isRoot ? "" : " (read-only and full-disk cases skipped: not root)"}`);
process.exitCode = counts.silent + counts.unclear + counts.hang > 0 ? 1 : 0;
