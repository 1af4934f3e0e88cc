#!/usr/bin/env node
// Feeds malformed input to every surface of the built command lines (trm-train, trm-compare) and classifies each
// outcome: "named" (non-zero exit, the message names the file/field/flag it should), "silent" (exit 0), "unclear"
// (raw engine text, or the expected name is missing), "hang" (no answer within the time limit).
// Usage: pnpm build && node apps/train/scripts/hostile-sweep.mjs [--keep]
//   SWEEP_ONLY=<regex> runs the cases whose "<surface> <description>" matches; SWEEP_TIMEOUT_MS bounds each case.
// Valid edge inputs (expected null) must be accepted: "harmless", or "refused" when they are not.
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
  return { code: r.status, signal: r.signal, stderr: `${r.stderr ?? ""}`, stdout: `${r.stdout ?? ""}`, timedOut: r.error?.code === "ETIMEDOUT" };
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

// Second round: every surface again, more kinds of damage, and valid edge inputs that must still load.
const sudokuRow = (q, a) => `x,${q},${a},0\n`;
const SUDOKU_Q = "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......";
const SUDOKU_A = "417369825632158947958724316825437169791586432346912758289643571573291684164875293";
const HEADER = "source,question,answer,rating\n";
const mazeCsv = (q, a) => `${HEADER}x,${q},${a},0\n`;
const MAZE_Q = "#####" + "#S  #" + "# # #" + "#  G#" + "#####";
const MAZE_A = "#####" + "#Soo#" + "# #o#" + "#  G#" + "#####";
/** Rewrites a safetensors file: `fn(header)` returns the new header; `data` replaces the byte payload when given. */
const editSafetensors = (path, fn, data) => {
  const b = readFileSync(path);
  const h = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + h).toString("utf8"));
  const body = data ?? b.subarray(8 + h);
  const text = Buffer.from(JSON.stringify(fn(header)));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  writeFileSync(path, Buffer.concat([len, text, body]));
};
/** The first weight eval uses: an EMA copy when the checkpoint has one. */
const firstParam = (header) => {
  const names = Object.keys(header).filter((k) => k !== "__metadata__" && header[k].shape.length === 2);
  return names.find((k) => k.startsWith("ema.")) ?? names[0];
};
/** A safetensors file from a header object and a payload. */
const safetensors = (name, header, payload = Buffer.alloc(0)) => {
  const text = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  return file(name, Buffer.concat([len, text, payload]));
};
const hasPython = spawnSync("/usr/bin/python3", ["-c", "import zipfile, pickle"]).status === 0;
/** A zip written by Python's zipfile, shaped like torch.save's archives (`<name>/data.pkl`), holding `pickleExpr`. */
const torchZip = (name, pickleExpr) => {
  const p = join(root, `in${n++}-${name}`);
  execFileSync("/usr/bin/python3", ["-c", `import zipfile, pickle, os\nz = zipfile.ZipFile(${JSON.stringify(p)}, "w")\nz.writestr("archive/data.pkl", ${pickleExpr})\nz.writestr("archive/version", "3\\n")\nz.close()`]);
  return p;
};
const evalWeights = (weights, extra = []) => ["eval", "--weights", weights, "--config", join(good, "config.json"), "--data", data, "--backend", "wasm", ...extra];
const resumeWith = (fn) => fitArgs(runWith(fn), ["--resume", "--set", "max_steps=3"]);

cases.push(
  // Sudoku / maze CSV, more
  ["csv", "sudoku CSV, answer breaks a row", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", HEADER + sudokuRow(SUDOKU_Q, SUDOKU_A.replace("417", "447"))), "--out", join(root, "o20")], /train\.csv.*(row|line)/i],
  ["csv", "sudoku CSV, answer disagrees with a given", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", HEADER + sudokuRow(SUDOKU_Q.replace(/^4/, "5"), SUDOKU_A)), "--out", join(root, "o21")], /train\.csv/],
  ["csv", "sudoku CSV, 5x5 board (25 cells)", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", HEADER + sudokuRow(".".repeat(25), "1".repeat(25))), "--out", join(root, "o22")], /train\.csv/],
  ["csv", "sudoku CSV, missing answer column", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", "source,question\nx,1\n"), "--out", join(root, "o23")], /train\.csv/],
  ["csv", "sudoku CSV, empty file", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", ""), "--out", join(root, "o24")], /train\.csv/],
  ["csv", "sudoku CSV, unterminated quote", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", `${HEADER}"x,${SUDOKU_Q},${SUDOKU_A},0\n`), "--out", join(root, "o25")], /train\.csv/],
  ["csv", "sudoku CSV, a folder without CSVs", () => ["build-data", "--task", "sudoku", "--src", dsWith((d) => rmSync(join(d, "train"), { recursive: true })), "--out", join(root, "o26")], /csv|no puzzles|--src/i],
  ["csv", "sudoku CSV, one-puzzle file (valid)", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", HEADER + sudokuRow(SUDOKU_Q, SUDOKU_A)), "--src", file("test.csv", HEADER + sudokuRow(SUDOKU_Q, SUDOKU_A)), "--out", join(root, "o27")], null],
  ["csv", "maze CSV, two starts", () => ["build-data", "--task", "maze", "--src", file("train.csv", mazeCsv(MAZE_Q.replace("#  G", "#S G"), MAZE_A)), "--out", join(root, "o28")], /train\.csv/],
  ["csv", "maze CSV, unknown character", () => ["build-data", "--task", "maze", "--src", file("train.csv", mazeCsv(MAZE_Q.replace("# # #", "# x #"), MAZE_A)), "--out", join(root, "o29")], /train\.csv/],
  ["csv", "maze CSV, answer path leaves the corridor", () => ["build-data", "--task", "maze", "--src", file("train.csv", mazeCsv(MAZE_Q, MAZE_A.replace("#Soo#", "oSoo#"))), "--out", join(root, "o30")], /train\.csv/],
  ["csv", "maze CSV, non-square grid", () => ["build-data", "--task", "maze", "--src", file("train.csv", mazeCsv(MAZE_Q + "#", MAZE_A + "#")), "--out", join(root, "o31")], /train\.csv/],
  ["csv", "maze --src folder", () => { const d = join(root, `mazes-${n++}`); mkdirSync(d); writeFileSync(join(d, "train.csv"), mazeCsv(MAZE_Q, MAZE_A)); writeFileSync(join(d, "test.csv"), mazeCsv(MAZE_Q, MAZE_A)); return ["build-data", "--task", "maze", "--src", d, "--out", join(root, "o32")]; }, null],
  ["csv", "unknown --task", () => ["build-data", "--task", "sodoku", "--src", file("train.csv", HEADER), "--out", join(root, "o33")], /sodoku.*sudoku|--task/],
  // ARC JSON / Kaggle, more
  ["arc", "ARC task, ragged rows", () => ["build-data", "--task", "arc", "--src", file("t.json", JSON.stringify({ train: [{ input: [[1, 2], [1]], output: [[1]] }], test: [] })), "--out", join(root, "o40")], /t\.json/],
  ["arc", "ARC task, empty grid", () => ["build-data", "--task", "arc", "--src", file("t.json", JSON.stringify({ train: [{ input: [], output: [[1]] }], test: [] })), "--out", join(root, "o41")], /t\.json/],
  ["arc", "ARC task, colour 1.5", () => ["build-data", "--task", "arc", "--src", file("t.json", JSON.stringify({ train: [{ input: [[1.5]], output: [[1]] }], test: [] })), "--out", join(root, "o42")], /t\.json/],
  ["arc", "ARC task, train not an array", () => ["build-data", "--task", "arc", "--src", file("t.json", JSON.stringify({ train: {}, test: [] })), "--out", join(root, "o43")], /t\.json.*train/],
  ["arc", "ARC task, no pairs at all", () => ["build-data", "--task", "arc", "--src", file("t.json", JSON.stringify({ train: [], test: [] })), "--out", join(root, "o44")], /t\.json|no puzzles/],
  ["arc", "ARC task, 31 columns", () => ["build-data", "--task", "arc", "--src", file("t.json", JSON.stringify({ train: [{ input: [Array(31).fill(1)], output: [[1]] }], test: [] })), "--out", join(root, "o45")], /t\.json.*(30|columns)/],
  ["arc", "ARC task, 30x30 grids (valid)", () => { const d = join(root, `arc-${n++}`); mkdirSync(join(d, "training"), { recursive: true }); mkdirSync(join(d, "evaluation")); const g = Array.from({ length: 30 }, (_, r) => Array.from({ length: 30 }, (_, c) => (r + c) % 10)); for (const [k, sub] of [["a", "training"], ["b", "evaluation"]]) writeFileSync(join(d, sub, `${k}.json`), JSON.stringify({ train: [{ input: g, output: g }], test: [{ input: g, output: g }] })); return ["build-data", "--task", "arc", "--src", d, "--out", join(root, "o46")]; }, null],
  ["arc", "ARC tasks with a UTF-8 BOM and CRLF (valid)", () => { const d = join(root, `arcbom-${n++}`); mkdirSync(join(d, "training"), { recursive: true }); mkdirSync(join(d, "evaluation")); for (const [k, sub] of [["a", "training"], ["b", "evaluation"]]) writeFileSync(join(d, sub, `${k}.json`), "\ufeff" + JSON.stringify({ train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[1]], output: [[2]] }] }).replace(/,/g, ",\r\n")); return ["build-data", "--task", "arc", "--src", d, "--out", join(root, "o47")]; }, null],
  ["arc", "Kaggle solutions with the wrong count", () => ["build-data", "--task", "arc", "--src", kaggle("k2", { abc: { train: [{ input: [[1]], output: [[1]] }], test: [{ input: [[1]] }] } }, { abc: [[[1]], [[1]]] }), "--out", join(root, "o48")], /solutions\.json.*abc/],
  ["arc", "Kaggle solutions missing a task", () => ["build-data", "--task", "arc", "--src", kaggle("k3", { abc: { train: [{ input: [[1]], output: [[1]] }], test: [{ input: [[1]] }] } }, {}), "--out", join(root, "o49")], /solutions\.json.*abc/],
  ["arc", "Kaggle challenges an array", () => ["build-data", "--task", "arc", "--src", kaggle("k4", [1, 2], {}), "--out", join(root, "o50")], /challenges\.json/],
  ["arc", "ARC --src missing", () => ["build-data", "--task", "arc", "--src", join(root, "no-arc"), "--out", join(root, "o51")], /no-arc/],
  // generators, more
  ["generate", "size=5", () => ["build-data", "--generate", "sudoku:size=5,train=5", "--out", join(root, "o60")], /size/],
  ["generate", "train=-1", () => ["build-data", "--generate", "sudoku:size=4,train=-1", "--out", join(root, "o61")], /train/],
  ["generate", "train=abc", () => ["build-data", "--generate", "sudoku:size=4,train=abc", "--out", join(root, "o62")], /train/],
  ["generate", "unknown generator", () => ["build-data", "--generate", "chess:size=4", "--out", join(root, "o63")], /chess/],
  ["generate", "spec without a colon", () => ["build-data", "--generate", "sudoku", "--out", join(root, "o64")], /key=value/],
  ["generate", "maze side 1000", () => ["build-data", "--generate", "maze:side=1000,train=1", "--out", join(root, "o65")], /side/],
  ["generate", "duplicate key", () => ["build-data", "--generate", "sudoku:size=4,train=4,train=5", "--out", join(root, "o66")], /train/],
  ["generate", "--aug -1", () => ["build-data", "--generate", "sudoku:size=4,train=4", "--aug", "-1", "--out", join(root, "o67")], /--aug/],
  ["generate", "--aug 1e9", () => ["build-data", "--generate", "sudoku:size=4,train=4", "--aug", "1000000000", "--out", join(root, "o68")], /--aug/],
  ["generate", "--subsample 0", () => ["build-data", "--generate", "sudoku:size=4,train=4", "--subsample", "0", "--out", join(root, "o69")], /--subsample/],
  ["generate", "both --src and --generate", () => ["build-data", "--task", "sudoku", "--src", file("train.csv", HEADER), "--generate", "sudoku:size=4,train=4", "--out", join(root, "o70")], /--src|--generate/],
  ["generate", "build-data without --out", () => ["build-data", "--generate", "sudoku:size=4,train=4"], /--out/],
  // dataset.json / .npy, more
  ["dataset", "dataset.json an array", () => fitArgs(join(root, "r30"), ["--data", dsWith((d) => writeFileSync(join(d, "train", "dataset.json"), "[]"))]), /dataset\.json/],
  ["dataset", "pad_id outside the vocabulary", () => fitArgs(join(root, "r31"), ["--data", dsWith((d) => editJson(join(d, "train", "dataset.json"), (j) => ({ ...j, pad_id: 99 })))]), /pad_id/],
  ["dataset", "blank_identifier_id outside the identifiers", () => fitArgs(join(root, "r32"), ["--data", dsWith((d) => editJson(join(d, "train", "dataset.json"), (j) => ({ ...j, blank_identifier_id: 5 })))]), /blank_identifier_id/],
  ["dataset", "total_puzzles wrong", () => fitArgs(join(root, "r33"), ["--data", dsWith((d) => editJson(join(d, "train", "dataset.json"), (j) => ({ ...j, total_puzzles: 3 })))]), /total_puzzles/],
  ["dataset", "mean_puzzle_examples -1", () => fitArgs(join(root, "r34"), ["--data", dsWith((d) => editJson(join(d, "train", "dataset.json"), (j) => ({ ...j, mean_puzzle_examples: -1 })))]), /mean_puzzle_examples/],
  ["dataset", "test vocab_size differs from train", () => fitArgs(join(root, "r35"), ["--data", dsWith((d) => editJson(join(d, "test", "dataset.json"), (j) => ({ ...j, vocab_size: 11 })))]), /vocab_size/],
  ["dataset", "seq_len 0", () => fitArgs(join(root, "r36"), ["--data", dsWith((d) => editJson(join(d, "train", "dataset.json"), (j) => ({ ...j, seq_len: 0 })))]), /seq_len/],
  ["dataset", "task field of another task", () => fitArgs(join(root, "r37"), ["--data", dsWith((d) => { for (const s of ["train", "test"]) editJson(join(d, s, "dataset.json"), (j) => ({ ...j, task: "arc" })); })]), /task/],
  ["dataset", "maze task on sudoku data written before the task field", () => fitArgs(join(root, "r38"), ["--data", dsWith((d) => { for (const s of ["train", "test"]) editJson(join(d, s, "dataset.json"), ({ task: _t, ...j }) => j); })]).map((a) => (a === "sudoku" ? "maze" : a)), /maze/],
  ["dataset", "sudoku data written before the task field (valid)", () => fitArgs(join(root, "r39"), ["--data", dsWith((d) => { for (const s of ["train", "test"]) editJson(join(d, s, "dataset.json"), ({ task: _t, ...j }) => j); })]), null],
  ["dataset", "--data of a folder without dataset.json", () => fitArgs(join(root, "r40"), ["--data", join(root, "nodata")]), /nodata/],
  ["dataset", "test split missing", () => fitArgs(join(root, "r41"), ["--data", dsWith((d) => rmSync(join(d, "test"), { recursive: true }))]), /test/],
  ["npy", "tokens above vocab_size", () => fitArgs(join(root, "r42"), ["--data", dsWith((d) => { const p = join(d, "train", "all__inputs.npy"); const b = readFileSync(p); b[b.length - 1] = 200; writeFileSync(p, b); })]), /all__inputs|inputs/],
  ["npy", "float64 dtype", () => fitArgs(join(root, "r43"), ["--data", dsWith((d) => { const p = join(d, "train", "all__puzzle_indices.npy"); writeFileSync(p, readFileSync(p).toString("latin1").replace("<i4", "<f8").replace(/\x00/g, "\x00")); })]), /puzzle_indices/],
  ["npy", "big-endian", () => fitArgs(join(root, "r44"), ["--data", dsWith((d) => { const p = join(d, "train", "all__group_indices.npy"); writeFileSync(p, Buffer.from(readFileSync(p).toString("latin1").replace("<i4", ">i4"), "latin1")); })]), /group_indices/],
  ["npy", "Fortran order", () => fitArgs(join(root, "r45"), ["--data", dsWith((d) => { const p = join(d, "train", "all__inputs.npy"); writeFileSync(p, Buffer.from(readFileSync(p).toString("latin1").replace("'fortran_order': False", "'fortran_order': True "), "latin1")); })]), /all__inputs/],
  ["npy", "shape claims more rows than the file holds", () => fitArgs(join(root, "r46"), ["--data", dsWith((d) => { const p = join(d, "train", "all__inputs.npy"); writeFileSync(p, Buffer.from(readFileSync(p).toString("latin1").replace(/\((\d+), 16\)/, (_m, k) => `(${Number(k) * 9}, 16)`.padEnd(_m.length, " ")), "latin1")); })]), /all__inputs/],
  ["npy", "puzzle_indices not increasing", () => fitArgs(join(root, "r47"), ["--data", dsWith((d) => { const p = join(d, "train", "all__puzzle_indices.npy"); const b = readFileSync(p); b.writeInt32LE(99, b.length - 12); writeFileSync(p, b); })]), /puzzle_indices/],
  ["npy", "huge shape in the header", () => fitArgs(join(root, "r48"), ["--data", dsWith((d) => { const p = join(d, "train", "all__inputs.npy"); writeFileSync(p, Buffer.from(readFileSync(p).toString("latin1").replace(/\((\d+), 16\)/, (m) => "(99999999999, 16)".padEnd(m.length, " ")), "latin1")); })]), /all__inputs/],
  // config / --set, more
  ["config", "config file missing", () => fitArgs(join(root, "r50"), ["--config", join(root, "nope.yaml")]), /nope\.yaml/],
  ["config", "YAML with a wrong type", () => fitArgs(join(root, "r51"), ["--config", file("c.yaml", "arch:\n  name: trm\nlr: big\n")]), /lr/],
  ["config", "YAML with an alias bomb", () => fitArgs(join(root, "r52"), ["--config", file("c.yaml", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n")]), /c\.yaml/],
  ["config", "unknown preset", () => fitArgs(join(root, "r53"), ["--config", "tiny-trm-sudoku9x"]), /tiny-trm-sudoku9x/],
  ["config", "JSON config with a duplicate-looking key", () => fitArgs(join(root, "r54"), ["--config", file("c.json", JSON.stringify({ arch: { name: "trm", hiden_size: 8 } }))]), /hiden_size/],
  ["set", "--set lr=NaN", () => fitArgs(join(root, "r55"), ["--set", "lr=NaN"]), /lr/],
  ["set", "--set lr=1e999", () => fitArgs(join(root, "r56"), ["--set", "lr=1e999"]), /lr/],
  ["set", "--set global_batch_size=0", () => fitArgs(join(root, "r57"), ["--set", "global_batch_size=0"]), /global_batch_size/],
  ["set", "--set arch.num_heads=3 (hidden 16, attention)", () => fitArgs(join(root, "r58"), ["--set", "arch.num_heads=3", "--set", "arch.mlp_t=false"]), /num_heads|hidden_size/],
  ["set", "--set arch.name=gpt", () => fitArgs(join(root, "r59"), ["--set", "arch.name=gpt"]), /arch\.name|gpt/],
  ["set", "--set ema_rate=2", () => fitArgs(join(root, "r60"), ["--set", "ema_rate=2"]), /ema_rate/],
  ["set", "--set arch.halt_max_steps=0", () => fitArgs(join(root, "r61"), ["--set", "arch.halt_max_steps=0"]), /halt_max_steps/],
  ["set", "--set constructor.prototype.x=1", () => fitArgs(join(root, "r62"), ["--set", "constructor.prototype.x=1"]), /constructor/],
  ["set", "--set arch=5", () => fitArgs(join(root, "r63"), ["--set", "arch=5"]), /arch/],
  ["set", "--set arch.L_layers=100000 (model size)", () => fitArgs(join(root, "r64"), ["--set", "arch.L_layers=100000"]), /L_layers|limit/],
  // trm-train flags, more
  ["flags", "--max-seconds=-1", () => fitArgs(join(root, "r70"), ["--max-seconds=-1"]), /--max-seconds/],
  ["flags", "--max-samples 0", () => fitArgs(join(root, "r71"), ["--max-samples", "0"]), /--max-samples/],
  ["flags", "--resume and --overwrite together", () => fitArgs(join(root, "r72"), ["--resume", "--overwrite"]), /--resume|--overwrite/],
  ["flags", "--model xyz", () => fitArgs(join(root, "r73"), ["--model", "xyz"]), /xyz|--model/],
  ["flags", "--task xyz", () => fitArgs(join(root, "r74")).map((a) => (a === "sudoku" ? "xyz" : a)), /xyz/],
  ["flags", "--import of a missing module", () => [...fitArgs(join(root, "r75")), "--import", join(root, "nope.mjs")], /nope\.mjs/],
  ["flags", "--import of a module that throws", () => [...fitArgs(join(root, "r76")), "--import", file("bad.mjs", "throw new Error('boom');")], /bad\.mjs/],
  ["flags", "--webgpu-flag without =", () => fitArgs(join(root, "r77"), ["--webgpu-flag", "vulkan"]), /--webgpu-flag/],
  ["flags", "a stray positional argument", () => [...fitArgs(join(root, "r78")), "extra"], /extra/],
  ["flags", "--version", () => ["--version"], null],
  ["flags", "no command", () => [], /command|Usage/i],
  ["flags", "eval --max-examples -3", () => [...evalRun(good), "--max-examples=-3"], /--max-examples/],
  ["flags", "eval --batch-size 0", () => [...evalRun(good), "--batch-size", "0"], /--batch-size/],
  ["flags", "eval --run and --weights without --config", () => ["eval", "--weights", ckw(good)], /--config|--run/],
  ["flags", "eval --config of another model's run", () => ["eval", "--weights", ckw(good), "--config", file("c.json", JSON.stringify({ arch: { name: "hrm" } })), "--data", data, "--backend", "wasm"], /c\.json|hrm|missing|H_/],
  ["flags", "convert a file that is no checkpoint", () => ["convert", file("x.pt", "hello"), join(root, "o.safetensors")], /x\.pt/],
  ["flags", "convert onto an existing file", () => ["convert", ckw(good), ckw(good)], /exists|--overwrite|step-00000002/],
  ["flags", "convert without arguments", () => ["convert"], /checkpoint|Usage/i],
  // run folders, more
  ["run", "--resume of a missing folder", () => fitArgs(join(root, "r80-none"), ["--resume"]), /r80-none/],
  ["run", "--overwrite of a folder with foreign files", () => fitArgs(dsWith(() => undefined), ["--overwrite"]), /no run wrote|--overwrite/],
  ["run", "run.json damaged (resume)", () => resumeWith((r) => writeFileSync(join(r, "run.json"), "{")), /run\.json/],
  ["run", "--out is a file", () => fitArgs(file("plain", "x")), /plain/],
  ["run", "resume with another --task", () => resumeWith(() => undefined).map((a) => (a === "sudoku" ? "maze" : a)), /maze|task/],
  ["run", "every checkpoint unusable (resume)", () => resumeWith((r) => writeFileSync(ck(r), "{")), /checkpoint/],
  // safetensors, more
  ["safetensors", "BOOL tensor in place of F32", () => evalRun(runWith((r) => editSafetensors(ckw(r), (h) => { const k = firstParam(h); h[k] = { ...h[k], dtype: "BOOL" }; return h; }))), /dtype|BOOL/],
  ["safetensors", "I32 tensor in place of F32", () => evalRun(runWith((r) => editSafetensors(ckw(r), (h) => { const k = firstParam(h); h[k] = { ...h[k], dtype: "I32" }; return h; }))), /expected float32 .*got int32/],
  ["safetensors", "shape disagrees with the model", () => evalRun(runWith((r) => editSafetensors(ckw(r), (h) => { const k = firstParam(h); const [a, b] = h[k].data_offsets; h[k] = { ...h[k], shape: [(b - a) / 4] }; return h; }))), /mismatched: .*expected float32 \[\d+, \d+\], got float32 \[\d+\]/],
  ["safetensors", "a tensor missing", () => evalRun(runWith((r) => editSafetensors(ckw(r), (h) => { const k = Object.keys(h).filter((x) => x !== "__metadata__").find((x) => !x.startsWith("ema.")) ?? firstParam(h); delete h[k]; return h; }))), /missing|step-00000002/],
  ["safetensors", "offsets overlap", () => evalRun(runWith((r) => editSafetensors(ckw(r), (h) => { const ks = Object.keys(h).filter((x) => x !== "__metadata__"); h[ks[1]] = { ...h[ks[1]], data_offsets: h[ks[0]].data_offsets, shape: h[ks[0]].shape }; return h; }))), /offset|step-00000002/],
  ["safetensors", "offsets past the end", () => evalRun(runWith((r) => editSafetensors(ckw(r), (h) => { const k = firstParam(h); h[k] = { ...h[k], data_offsets: [0, 1e12] }; return h; }))), /step-00000002/],
  ["safetensors", "header not JSON", () => evalWeights((() => { const p = join(root, `in${n++}-w.safetensors`); const b = Buffer.alloc(12); b.writeBigUInt64LE(4n); b.write("{{{{", 8); writeFileSync(p, b); return p; })()), /w\.safetensors/],
  ["safetensors", "1,000,000 empty tensors", () => evalWeights(safetensors("many.safetensors", Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`t${i}`, { dtype: "F32", shape: [0], data_offsets: [0, 0] }])))), /many\.safetensors/],
  ["safetensors", "an empty file", () => evalWeights(file("empty.safetensors", "")), /empty\.safetensors/],
  ["safetensors", "infinite weights", () => evalRun(runWith((r) => { const b = readFileSync(ckw(r)); const h = Number(b.readBigUInt64LE(0)); for (let i = 8 + h; i + 4 <= b.length; i += 4) b.writeFloatLE(Infinity, i); writeFileSync(ckw(r), b); })), /Inf|NaN|infinit/i],
  ["safetensors", "weights of 1e30", () => evalRun(runWith((r) => { const b = readFileSync(ckw(r)); const h = Number(b.readBigUInt64LE(0)); for (let i = 8 + h; i + 4 <= b.length; i += 4) b.writeFloatLE(1e30, i); writeFileSync(ckw(r), b); })), /1e\+?30|large|magnitude|step-00000002/],
  // .pt (official torch.save checkpoints)
  ...(hasPython
    ? [
        ["pt", "zip whose pickle calls os.system", () => evalWeights(torchZip("evil.pt", "b'cos\\nsystem\\n(S\\'echo pwned\\'\\ntR.'")), /evil\.pt/],
        ["pt", "zip without data.pkl", () => evalWeights((() => { const p = join(root, `in${n++}-nodata.pt`); execFileSync("/usr/bin/python3", ["-c", `import zipfile\nz = zipfile.ZipFile(${JSON.stringify(p)}, "w")\nz.writestr("archive/version", "3\\n")\nz.close()`]); return p; })()), /nodata\.pt/],
        ["pt", "pickle of a list, no tensors", () => evalWeights(torchZip("list.pt", "pickle.dumps([1, 2, 3], protocol=2)")), /list\.pt/],
        ["pt", "truncated zip", () => evalWeights((() => { const p = torchZip("cut.pt", "pickle.dumps({'a': 1}, protocol=2)"); writeFileSync(p, readFileSync(p).subarray(0, 40)); return p; })()), /cut\.pt/],
        ["pt", "convert of a dict without tensors", () => ["convert", torchZip("dict.pt", "pickle.dumps({'model': {}}, protocol=2)"), join(root, `o${n++}.safetensors`)], /dict\.pt/],
      ]
    : []),
  // checkpoint JSON, more
  ["checkpoint", "format field wrong (eval)", () => evalRun(runWith((r) => editJson(ck(r), (j) => ({ ...j, format: "other" })))), /format/],
  ["checkpoint", "elapsedSeconds negative (resume)", () => resumeWith((r) => editJson(ck(r), (j) => ({ ...j, elapsedSeconds: -5 }))), /elapsedSeconds/],
  ["checkpoint", "step 1e300 (resume)", () => resumeWith((r) => editJson(ck(r), (j) => ({ ...j, step: 1e300 }))), /step/],
  ["checkpoint", "optimizer state missing (resume)", () => resumeWith((r) => editJson(ck(r), (j) => ({ ...j, optimizer: null }))), /optimizer/],
  ["checkpoint", "config of another architecture (resume)", () => resumeWith((r) => editJson(ck(r), (j) => ({ ...j, config: { ...j.config, arch: { ...j.config.arch, hidden_size: 64 } } }))), /hidden_size|config|checkpoint/],
  ["checkpoint", "runId of another run (resume)", () => resumeWith((r) => editJson(ck(r), (j) => ({ ...j, runId: "0123456789abcdef" }))), /run|checkpoint/],
  ["checkpoint", "JSON nested 100000 deep (eval)", () => evalRun(runWith((r) => writeFileSync(ck(r), "[".repeat(100000) + "]".repeat(100000)))), /step-00000002\.json/],
  ["checkpoint", "weights file deleted (eval)", () => evalRun(runWith((r) => rmSync(ckw(r)))), /step-00000002/],
  // trm-compare, more
  ["compare", "--seeds 0", () => ({ bin: COMPARE, args: ["--seeds", "0"] }), /--seeds/],
  ["compare", "--budget 5x", () => ({ bin: COMPARE, args: ["--budget", "5x"] }), /--budget/],
  ["compare", "--budget 0s", () => ({ bin: COMPARE, args: ["--budget", "0s"] }), /--budget/],
  ["compare", "--scenario unknown", () => ({ bin: COMPARE, args: ["--scenario", "sudoku5"] }), /sudoku5|--scenario/],
  ["compare", "--pairing unknown", () => ({ bin: COMPARE, args: ["--pairing", "gpt"] }), /gpt|--pairing/],
  ["compare", "--trm-preset missing file", () => ({ bin: COMPARE, args: ["--trm-preset", join(root, "nope.yaml")] }), /nope\.yaml/],
  ["compare", "--data without dataset", () => ({ bin: COMPARE, args: ["--data", join(root, "nodata"), "--backend", "wasm", "--out", join(root, "c1")] }), /nodata/],
  ["compare", "--data of maze data with --task sudoku", () => ({ bin: COMPARE, args: ["--data", dsWith((d) => { for (const s of ["train", "test"]) editJson(join(d, s, "dataset.json"), (j) => ({ ...j, task: "maze" })); }), "--task", "sudoku", "--backend", "wasm", "--out", join(root, "c2")] }), /task|maze/],
  ["compare", "--seed -1", () => ({ bin: COMPARE, args: ["--seed=-1"] }), /--seed/],
  ["compare", "--backend gpu", () => ({ bin: COMPARE, args: ["--backend", "gpu"] }), /--backend/],
  ["compare", "--out is a file", () => ({ bin: COMPARE, args: ["--out", file("plain2", "x"), "--backend", "wasm"] }), /plain2/],
  ["compare", "stray positional argument", () => ({ bin: COMPARE, args: ["sudoku4"] }), /sudoku4/],
);

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
  cases.push(["disk", "build-data --out on a read-only folder", () => ["build-data", "--generate", "sudoku:size=4,train=8,test=4", "--out", join(mount("ro,size=64k"), "d")], /EROFS|read-only/]);
  cases.push(["disk", "fit --out two levels down on a read-only folder", () => fitArgs(join(mount("ro,size=64k"), "runs", "a")), /EROFS|read-only/]);
  cases.push(["disk", "eval --predictions on a read-only folder", () => [...evalRun(good), "--predictions", join(mount("ro,size=64k"), "p", "pred.jsonl")], /EROFS|read-only/]);
  cases.push(["disk", "eval --out on a full disk", () => { const m = mount("size=4k"); writeFileSync(join(m, "fill"), Buffer.alloc(4096)); return [...evalRun(good), "--out", join(m, "summary.json")]; }, /ENOSPC|no space/i]);
  cases.push(["disk", "trm-compare --out on a read-only folder", () => ({ bin: COMPARE, args: ["--out", join(mount("ro,size=64k"), "cmp"), "--backend", "wasm"] }), /EROFS|read-only/]);
  cases.push(["disk", "convert onto a read-only folder", () => ["convert", fileURLToPath(new URL("../../../packages/core/fixtures/torch/trm-att.pt", import.meta.url)), join(mount("ro,size=64k"), "w.safetensors")], /EROFS|read-only/]);
  cases.push(["disk", "--resume on a read-only copy of a run", () => { const m = mount("size=1m"); execFileSync("cp", ["-r", good, join(m, "run")]); execFileSync("mount", ["-o", "remount,ro", m]); return fitArgs(join(m, "run"), ["--resume", "--set", "max_steps=3"]); }, /EROFS|read-only/]);
}

const counts = { named: 0, harmless: 0, refused: 0, silent: 0, unclear: 0, hang: 0, trap: 0 };
const only = process.env.SWEEP_ONLY ? new RegExp(process.env.SWEEP_ONLY, "i") : null;
const chosen = only ? cases.filter(([surface, what]) => only.test(`${surface} ${what}`)) : cases;
try {
  for (const [surface, what, make, expected] of chosen) {
    const spec = make();
    const { bin, args } = Array.isArray(spec) ? { bin: TRAIN, args: spec } : spec;
    const r = run(bin, args);
    const text = r.stderr + r.stdout;
    // expected null: valid input that must be accepted ("harmless"); refusing it is "refused".
    const kind = r.timedOut
      ? "hang"
      : r.code === null
        ? "trap"
        : expected === null
        ? r.code === 0
          ? "harmless"
          : "refused"
        : r.code === 0
          ? "silent"
          : RAW.test(r.stderr) || !expected.test(r.stderr)
            ? "unclear"
            : "named";
    counts[kind]++;
    const lines = text.split("\n");
    const first = (lines.find((l) => /^(trm-[a-z-]+|warning):/.test(l)) ?? lines.find((l) => l && !/^(backend|Warning):/.test(l)) ?? "").slice(0, 200);
    console.log(`${kind.padEnd(8)} ${surface.padEnd(11)} ${what}: ${first}`);
  }
} finally {
  for (const m of mounts.reverse()) spawnSync("umount", [m]);
  if (!process.argv.includes("--keep")) rmSync(root, { recursive: true, force: true });
}
console.log(
  `\n${chosen.length} cases: ${counts.named} clear errors, ${counts.harmless} accepted-harmless, ${counts.refused} valid inputs refused, ${counts.silent} silent, ${counts.unclear} unclear, ${counts.hang} hangs, ${counts.trap} traps${isRoot ? "" : " (read-only and full-disk cases skipped: not root)"}`,
);
process.exitCode = counts.silent + counts.unclear + counts.hang + counts.trap + counts.refused > 0 ? 1 : 0;
