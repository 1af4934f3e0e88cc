import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../scripts/learning-parity.sh", import.meta.url));
const PYTHON = process.env.TRM_PYTHON ?? "/usr/bin/python3";
const noPython = existsSync(PYTHON) ? null : `${PYTHON} is missing`;
if (noPython) console.warn(`[learning-parity script test] skipped: ${noPython}`);

const dir = mkdtempSync(join(tmpdir(), "learning-parity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync("bash", [SCRIPT, "--out", dir, ...args], { encoding: "utf8", env: { ...process.env, PYTHON } });

describe("apps/loop-parity/scripts/learning-parity.sh", () => {
  it.skipIf(noPython)("tabulates both sides per seed from the run files (took off = test exact >= 10%) and the loss curves", () => {
    // A reference run that took off, one that did not; this project's run for seed 0 only.
    const final = (exact: number, token: number) =>
      JSON.stringify({ final: true, test_exact: exact, test_token: token, sec: 1 }).replace('{"final":true', '{"final": true');
    writeFileSync(join(dir, "ref-trm-att-s0.jsonl"), `{"step": 250, "lm": 1.1}\n{"step": 500, "lm": 0.9}\n${final(0.9688, 0.987)}\n`);
    writeFileSync(join(dir, "ref-trm-att-s1.jsonl"), `${final(0.0938, 0.588)}\n`);
    mkdirSync(join(dir, "ts-trm-att-s0"));
    writeFileSync(join(dir, "ts-trm-att-s0", "eval.json"), JSON.stringify({ exact_accuracy: 0.1, accuracy: 0.9 }));
    writeFileSync(join(dir, "ts-trm-att-s0", "metrics.jsonl"), [
      { split: "train", step: 50, lm_loss: 1.3, elapsed_seconds: 3 },
      { split: "train", step: 250, lm_loss: 1.1, elapsed_seconds: 9 },
      { split: "test", step: 250, exact_accuracy: 0.5 },
    ].map((r) => `${JSON.stringify(r)}\n`).join(""));

    const r = run("--models", "trm-att", "--seeds", "0 1", "--summary-only");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [table = "", curves = ""] = r.stdout.trim().split("\n\n");
    const rows = table.split("\n");
    expect(rows).toHaveLength(4);
    expect(rows[2]).toBe("| TRM-Att | PyTorch reference | 96.9% (98.7%) | 9.4% (58.8%) | 1 of 2 |");
    expect(rows[3]).toBe("| TRM-Att | this project | 10.0% (90.0%) | not run | 1 of 1 |");
    // Loss curves: the reference's window means against the mean of this project's logged steps in the window.
    expect(r.stdout.trim().split("\n").at(-1)).toBe("- TRM-Att seed 0: 250: 1.10 / 1.20");
    expect(curves).toContain("Training lm loss");
  });

  it("names a bad model or option", () => {
    const bad = run("--models", "trm-xl", "--summary-only");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--models: unknown model 'trm-xl'");
    const opt = run("--bogus");
    expect(opt.status).toBe(2);
    expect(opt.stderr).toContain("unknown option --bogus");
  });
});
