import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BENCH_CONFIGS, findConfig, type BenchConfig } from "./configs.js";
import { checkTorchPython, DEFAULT_TORCH_BENCH, parseTorchBenchOutput, REPO_ROOT, runTorchBench, TorchBenchError, torchBenchArgs, torchRunArgv } from "./torch-ref.js";

const sudoku = ["--seq-len", "81", "--vocab", "11"];

describe("torchBenchArgs: every benchmark configuration maps exactly or is refused with the differing field", () => {
  // The whole table, so a new configuration (or a changed default) has to be looked at here.
  const expected: Record<string, { args: string[] } | { field: string }> = {
    "trm-mlp-sudoku": { args: ["--model", "trm", "--hidden", "512", "--heads", "8", "--T", "3", "--n", "6", ...sudoku, "--pos", "none", "--layers", "2", "--puzzle-emb-len", "16", "--mlp-t"] },
    "trm-att-sudoku": { args: ["--model", "trm", "--hidden", "512", "--heads", "8", "--T", "3", "--n", "6", ...sudoku, "--pos", "rope", "--layers", "2", "--puzzle-emb-len", "16"] },
    "trm-tiny": { args: ["--model", "trm", "--hidden", "128", "--heads", "4", "--T", "2", "--n", "3", "--seq-len", "36", "--vocab", "8", "--pos", "rope", "--layers", "2", "--puzzle-emb-len", "16"] },
    "hrm-sudoku": { args: ["--model", "hrm", "--hidden", "512", "--heads", "8", "--T", "2", "--n", "2", ...sudoku, "--pos", "rope", "--layers", "4"] },
    // puzzle_emb_ndim defaults to 512 for HRM: a 4-token prefix at hidden 128, where bench.py's HRM has 1.
    "hrm-tiny": { field: "puzzle_emb_ndim" },
    "tiny-trm-sudoku4": { field: "halt_max_steps" },
    "tiny-hrm-sudoku4": { field: "halt_max_steps" },
  };

  it("covers every configuration", () => {
    expect(Object.keys(expected).sort()).toEqual(BENCH_CONFIGS.map((c) => c.name).sort());
  });

  for (const c of BENCH_CONFIGS) {
    it(c.name, () => {
      const m = torchBenchArgs(c);
      const want = expected[c.name];
      if (want === undefined) throw new Error(`no expectation for ${c.name}`);
      if ("args" in want) {
        expect(m.ok ? m.args : m.reason).toEqual(want.args);
        if (m.ok) expect(m.model).toBe(c.model);
      } else {
        expect(m.ok).toBe(false);
        if (!m.ok) {
          expect(m.field).toBe(want.field);
          expect(m.reason).toMatch(new RegExp(`^not comparable: ${want.field} differs \\(ours .+, bench\\.py .+\\)$`));
        }
      }
    });
  }

  it("with matchHalt runs halt_max_steps 16 on both sides and says so; nothing else changes", () => {
    for (const name of ["tiny-trm-sudoku4", "tiny-hrm-sudoku4"]) {
      const m = torchBenchArgs(findConfig(name), { matchHalt: true });
      if (!m.ok) throw new Error(m.reason);
      expect(m.model).toEqual({ ...findConfig(name).model, halt_max_steps: 16 });
      expect(m.notes[0]).toBe("halt_max_steps 2 -> 16 on both sides (bench.py fixes it)");
    }
    const trm = torchBenchArgs(findConfig("tiny-trm-sudoku4"), { matchHalt: true });
    expect(trm.ok && trm.args).toEqual(["--model", "trm", "--hidden", "32", "--heads", "2", "--T", "2", "--n", "2", "--seq-len", "16", "--vocab", "6", "--pos", "none", "--layers", "2", "--puzzle-emb-len", "1", "--mlp-t"]);
    // bench.py prints params 75714 and 57794 for these flags (torch 1.13): the same models.
    expect(trm.ok && trm.params).toBe(75714);
    const hrm = torchBenchArgs(findConfig("tiny-hrm-sudoku4"), { matchHalt: true });
    expect(hrm.ok && hrm.params).toBe(57794);
    expect(hrm.ok && hrm.args).toEqual(["--model", "hrm", "--hidden", "32", "--heads", "2", "--T", "2", "--n", "2", "--seq-len", "16", "--vocab", "6", "--pos", "rope", "--layers", "1"]);
    // matchHalt does not hide another difference.
    const other = torchBenchArgs({ ...findConfig("hrm-tiny"), model: { ...findConfig("hrm-tiny").model, halt_max_steps: 4 } }, { matchHalt: true });
    expect(!other.ok && other.field).toBe("puzzle_emb_ndim");
  });

  const trm = (over: Record<string, unknown>): BenchConfig => ({ ...findConfig("trm-tiny"), model: { ...findConfig("trm-tiny").model, ...over } });
  const hrm = (over: Record<string, unknown>): BenchConfig => ({ ...findConfig("hrm-sudoku"), model: { ...findConfig("hrm-sudoku").model, ...over } });
  it.each([
    ["expansion", trm({ expansion: 2 })],
    ["rope_theta", trm({ rope_theta: 500 })],
    ["rms_norm_eps", hrm({ rms_norm_eps: 1e-6 })],
    ["num_puzzle_identifiers", trm({ num_puzzle_identifiers: 3 })],
    ["puzzle_emb_ndim", trm({ puzzle_emb_ndim: 0, puzzle_emb_len: 0 })],
    ["no_ACT_continue", trm({ no_ACT_continue: false })],
    ["H_layers", hrm({ H_layers: 2 })],
  ])("refuses a differing %s", (field, config) => {
    const m = torchBenchArgs(config);
    expect(m.ok ? "mapped" : m.field).toBe(field);
  });

  it("emits only flags bench.py declares", () => {
    const script = path.resolve(REPO_ROOT, DEFAULT_TORCH_BENCH);
    if (!existsSync(script)) return void console.log(`skipped the bench.py flag check: no ${script}`);
    const source = readFileSync(script, "utf8");
    const flags = new Set(BENCH_CONFIGS.flatMap((c) => torchBenchArgs(c, { matchHalt: true })).flatMap((m) => (m.ok ? m.args.filter((a) => a.startsWith("--")) : [])));
    for (const run of ["train", "infer"] as const) {
      for (const a of torchRunArgv({ python: "p", script: "s", modelArgs: [], mode: run, batch: 1, steps: 1, warmup: 0, threads: 1, blasThreads: 2 })) if (a.startsWith("--")) flags.add(a);
    }
    for (const f of flags) expect(source, f).toContain(`"${f}"`);
  });
});

describe("parseTorchBenchOutput", () => {
  const line = JSON.stringify({ model: "trm-mlp", mode: "train", threads: 1, blas_threads: 2, params: 1234, timed: 3, sec_per_step: 0.0586, sec_min: 0.05, sec_max: 0.07, torch: "1.13.0" });
  const cmd = "/usr/bin/python3 bench.py --model trm";

  it("reads the JSON line (after any other output)", () => {
    const r = parseTorchBenchOutput("train", `some warning\n${line}\n`, "", 0, cmd);
    expect(r).toMatchObject({ mode: "train", secMean: 0.0586, secMin: 0.05, secMax: 0.07, timed: 3, threads: 1, blasThreads: 2, params: 1234, torch: "1.13.0" });
    const inf = JSON.stringify({ mode: "infer", threads: 1, blas_threads: 1, timed: 1, sec_per_batch: 0.75, sec_min: 0.75, sec_max: 0.75 });
    expect(parseTorchBenchOutput("infer", inf, "", 0, cmd).secMean).toBe(0.75);
  });

  it("names the command, what is wrong and the stderr tail", () => {
    const stderr = `${Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n")}\nModuleNotFoundError: No module named 'torch'\n`;
    const fail = (): unknown => parseTorchBenchOutput("train", "", stderr, 1, cmd);
    expect(fail).toThrow(TorchBenchError);
    expect(fail).toThrow(/^PyTorch reference: \/usr\/bin\/python3 bench\.py --model trm: exited with code 1\n--- stderr \(tail\) ---\n(line \d+\n){14}ModuleNotFoundError: No module named 'torch'$/);
    expect(() => parseTorchBenchOutput("train", "", "", null, cmd)).toThrow(/exited with a signal/);
    expect(() => parseTorchBenchOutput("train", "  \n", "", 0, cmd)).toThrow(/printed nothing on stdout/);
    expect(() => parseTorchBenchOutput("train", "Traceback (most recent call last)", "", 0, cmd)).toThrow(/printed "Traceback \(most recent call last\)", not a JSON line/);
    expect(() => parseTorchBenchOutput("train", "[1, 2]", "", 0, cmd)).toThrow(/not a JSON object/);
    expect(() => parseTorchBenchOutput("infer", line, "", 0, cmd)).toThrow(/JSON field "mode" is "train", expected "infer"/);
    expect(() => parseTorchBenchOutput("train", line.replace('"sec_min":0.05', '"sec_min":"fast"'), "", 0, cmd)).toThrow(/JSON field "sec_min" is "fast", expected a number >= 0/);
    expect(() => parseTorchBenchOutput("train", JSON.stringify({ mode: "train" }), "", 0, cmd)).toThrow(/JSON field "sec_per_step" is missing/);
  });
});

describe("runTorchBench (a stand-in script run by node, so no torch is needed)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trm-torch-ref-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = { python: process.execPath, modelArgs: ["--model", "trm"], mode: "train", batch: 4, steps: 2, warmup: 1, threads: 1, blasThreads: 2 } as const;

  it("passes the flags and reads the JSON line", async () => {
    const script = path.join(dir, "ok.mjs");
    writeFileSync(script, `const a = process.argv.slice(2);
const get = (f) => Number(a[a.indexOf(f) + 1]);
console.log(JSON.stringify({ mode: a.includes("--infer") ? "infer" : "train", threads: get("--threads"), blas_threads: get("--blas-threads"), timed: get("--steps"), sec_per_step: get("--batch") / 100, sec_min: 0, sec_max: 1 }));\n`);
    const r = await runTorchBench({ ...base, script });
    expect(r).toMatchObject({ mode: "train", secMean: 0.04, timed: 2, threads: 1, blasThreads: 2 });
  });

  it("a failing child is a named error with its stderr", async () => {
    const script = path.join(dir, "fail.mjs");
    writeFileSync(script, `console.error("ImportError: no torch here"); process.exit(3);\n`);
    await expect(runTorchBench({ ...base, script })).rejects.toThrow(/^PyTorch reference: .*fail\.mjs --model trm --batch 4 --steps 2 --warmup 1 --threads 1 --blas-threads 2: exited with code 3\n--- stderr \(tail\) ---\nImportError: no torch here$/);
  });

  it("a child past its time limit is stopped, a named error", async () => {
    const script = path.join(dir, "slow.mjs");
    writeFileSync(script, `setTimeout(() => undefined, 60_000);\n`);
    await expect(runTorchBench({ ...base, script, timeoutMs: 200 })).rejects.toThrow(/slow\.mjs .*: still running after 200 ms, stopped/);
  });

  it("the torch check names the interpreter and why it failed", () => {
    expect(() => checkTorchPython(path.join(dir, "no-python"))).toThrow(/^PyTorch reference: .*no-python -c "import torch; print\(torch.__version__\)": could not start \(spawnSync .*ENOENT\)/);
    // node is no Python: it fails on the -c script and says so on stderr.
    expect(() => checkTorchPython(process.execPath)).toThrow(/: exited with code \d+\n--- stderr \(tail\) ---\n/);
  });

  it("a missing interpreter is a named error", async () => {
    await expect(runTorchBench({ ...base, python: path.join(dir, "no-python"), script: "bench.py" })).rejects.toThrow(/^PyTorch reference: .*no-python bench\.py --model trm .*: could not start \(spawn .*ENOENT\)/);
  });
});
