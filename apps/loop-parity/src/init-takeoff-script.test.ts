import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../scripts/init-takeoff.sh", import.meta.url));
const PYTHON = process.env.TRM_PYTHON ?? "/usr/bin/python3";
const noPython = existsSync(PYTHON) ? null : `${PYTHON} is missing`;
if (noPython) console.warn(`[init-takeoff script test] skipped: ${noPython}`);

const dir = mkdtempSync(join(tmpdir(), "init-takeoff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync("bash", [SCRIPT, "--out", dir, ...args], { encoding: "utf8", env: { ...process.env, PYTHON } });

describe("apps/loop-parity/scripts/init-takeoff.sh", () => {
  it.skipIf(noPython)("tabulates the take-off rate per side (test exact >= 10%) and the loss at steps 1,500 and 2,500", () => {
    const log = (lm: (step: number) => number, steps = 50) =>
      Array.from({ length: steps }, (_, i) => `{"step": ${(i + 1) * 50}, "lm": ${lm((i + 1) * 50)}}\n`).join("");
    const final = (exact: number) => `{"final": true, "test_exact": ${exact}, "test_token": 0.9}\n`;
    writeFileSync(join(dir, "torch-s0.jsonl"), log(() => 0.5) + final(0.97));
    writeFileSync(join(dir, "torch-s1.jsonl"), log((s) => (s <= 2000 ? 1 : 0.9)) + final(0.05));
    // A shorter run (--steps 1500) has no 2,251-2,500 window.
    writeFileSync(join(dir, "project-s0.jsonl"), log(() => 1, 30) + final(0));
    // An unfinished run (no final line) counts as not run.
    writeFileSync(join(dir, "project-s1.jsonl"), log(() => 1));

    const r = run("--seeds", "0 1", "--summary-only");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[2]).toBe("| torch's draw (train_ref.py --seed) | 97.0% | 5.0% | 1 of 2 |");
    expect(lines[3]).toBe("| this project's draw (loop-parity --dump-only) | 0.0% | not run | 0 of 1 |");
    expect(lines.at(-2)).toBe("- torch: seed 0: 0.500 / 0.500, seed 1: 1.000 / 0.900");
    expect(lines.at(-1)).toBe("- project: seed 0: 1.000 / n/a");
  });

  it("names a bad side or option", () => {
    const bad = run("--sides", "jax", "--summary-only");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--sides: unknown side 'jax'");
    const steps = run("--steps", "many", "--summary-only");
    expect(steps.status).toBe(2);
    expect(steps.stderr).toContain("--steps: expected a positive integer, got 'many'");
    const opt = run("--fast");
    expect(opt.status).toBe(2);
    expect(opt.stderr).toContain("unknown option --fast");
  });
});
