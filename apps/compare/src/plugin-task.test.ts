// The README's own-task example, end to end through the command lines: its module, loaded with --import, builds a
// dataset, trains, evaluates and is compared, and the report draws its puzzles with the task's own picture.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listTasks, unregisterTask } from "@trm/data";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main as compareMain } from "./main.js";

type Main = (argv: string[]) => Promise<number>;
// trm-train's entry, from its sources (no build needed); the path is computed so this app does not depend on it.
const trainMain = async (argv: string[]): Promise<number> => {
  const mod = (await import(/* @vite-ignore */ new URL("../../train/src/main.ts", import.meta.url).href)) as { main: Main };
  return mod.main(argv);
};

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const section = readme.slice(readme.indexOf("## Your own task"), readme.indexOf("## Backends"));
const moduleText = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
const commands = (/```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "").trim().split("\n");

/** Runs `fn` with stdout and stderr captured. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await fn();
    const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join("");
    return { code, out: text(out), err: text(err) };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** A README command with tiny budgets added, so the test stays fast. */
const tiny: Record<string, string[]> = {
  "build-data": [],
  fit: ["--max-steps", "4", "--set", "eval_max_examples=8", "--backend", "wasm", "--quiet"],
  eval: ["--max-examples", "8", "--backend", "wasm"],
  compare: ["--budget", "32", "--seeds", "1", "--test-limit", "8", "--backend", "wasm"],
};

describe("README: your own task through --import", () => {
  const dir = mkdtempSync(join(tmpdir(), "trm-own-task-"));
  const cwd = process.cwd();
  beforeAll(() => {
    writeFileSync(join(dir, "latin-square.mjs"), moduleText);
    process.chdir(dir);
  });
  afterAll(() => {
    process.chdir(cwd);
    unregisterTask("latin-square");
  });

  it("the README has the module and the four commands", () => {
    expect(moduleText).toContain('registerTask({\n  name: "latin-square"');
    expect(moduleText).toContain("picture:");
    expect(commands.map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual([
      "pnpm trm-train build-data",
      "pnpm trm-train fit",
      "pnpm trm-train eval",
      "pnpm compare --import",
    ]);
    for (const c of commands) expect(c).toContain("--import ./latin-square.mjs");
  });

  it("builds, trains, evaluates and compares the task, and the report draws it with its own picture", async () => {
    for (const line of commands) {
      const [, app = "", ...rest] = line.split(/\s+/);
      const sub = app === "compare" ? "compare" : (rest[0] ?? "");
      const argv = [...rest, ...(tiny[sub] ?? [])];
      const run = app === "compare" ? () => compareMain(argv, { stream: { write: () => true } }) : () => trainMain(argv);
      const r = await capture(run);
      expect(r.code, `${line}\n${r.err}`).toBe(0);
      if (sub === "build-data") expect(r.out).toMatch(/train: groups 200, puzzles 800, .*seqLen 16, vocab 6/);
      if (sub === "eval") expect(r.out).toContain("exact accuracy:");
    }
    expect(listTasks()).toContain("latin-square");
    // fit wrote a run of this task with its EMA weights.
    expect(JSON.parse(readFileSync(join(dir, "runs/latin/config.json"), "utf8")).task).toBe("latin-square");
    expect(existsSync(join(dir, "runs/latin/checkpoints/final.safetensors"))).toBe(true);
    // eval decoded the boards with the task: 4x4 rows; every answer a Latin square.
    const lines = readFileSync(join(dir, "runs/latin/predictions.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(8);
    for (const l of lines) {
      const p = JSON.parse(l) as { question: number[][]; prediction: number[][]; answer: number[][] };
      expect(p.prediction).toHaveLength(4);
      for (const row of p.answer) expect([...row].sort()).toEqual([1, 2, 3, 4]);
    }
    // The report's puzzles are 4x4 boards of digits 1-4 (the task's picture); the fallback would show token ids 2-5.
    const html = readFileSync(join(dir, "runs/latin-compare/report.html"), "utf8");
    const boards = html.slice(html.indexOf('id="puzzles"')).match(/<svg [^>]*class="board"[\s\S]*?<\/svg>/g) ?? [];
    expect(boards.length).toBeGreaterThanOrEqual(3 * 4);
    const digits = boards.flatMap((b) => [...b.matchAll(/>(\d+)<\/text>/g)].map((m) => Number(m[1])));
    expect(new Set(digits)).toEqual(new Set([1, 2, 3, 4]));
    expect(html).toContain("latin-square");
  }, 600_000);

  it("names --import and the file when a module is missing, fails to load or registers nothing", async () => {
    mkdirSync(join(dir, "bad"), { recursive: true });
    writeFileSync(join(dir, "bad/throws.mjs"), 'throw new Error("boom in the module");\n');
    writeFileSync(join(dir, "bad/nothing.mjs"), "export const x = 1;\n");
    const missing = await capture(() => trainMain(["build-data", "--import", "./bad/missing.mjs", "--task", "x", "--generate", "x:train=1", "--out", "o"]));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`--import ./bad/missing.mjs: no such file ${join(dir, "bad/missing.mjs")}`);
    const throws = await capture(() => compareMain(["--import=./bad/throws.mjs", "--data", "data/latin", "--task", "latin-square"]));
    expect(throws.code).toBe(2);
    expect(throws.err).toContain(`--import ./bad/throws.mjs: loading ${join(dir, "bad/throws.mjs")} failed: boom in the module`);
    const nothing = await capture(() => trainMain(["eval", "--import", "./bad/nothing.mjs", "--run", "runs/latin"]));
    expect(nothing.code).toBe(2);
    expect(nothing.err).toContain(`--import ./bad/nothing.mjs: ${join(dir, "bad/nothing.mjs")} loaded but registered no task`);
    const bare = await capture(() => trainMain(["fit", "--import", "no-such-task-package", "--task", "x"]));
    expect(bare.err).toContain(`--import no-such-task-package: no package "no-such-task-package" in node_modules from ${dir} upwards`);
    const flag = await capture(() => compareMain(["--import"]));
    expect(flag.err).toContain("--import: needs a module");
  });
});
