import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_TORCH_BENCH, DEFAULT_TORCH_PYTHON, REPO_ROOT } from "./torch-ref.js";

// A real --vs-torch run takes tens of seconds of CPU: only on request (TRM_VS_TORCH_TEST=1) and where torch imports.
function skipReason(): string | null {
  if (process.env.TRM_VS_TORCH_TEST !== "1") return "set TRM_VS_TORCH_TEST=1 to run it";
  const py = spawnSync(DEFAULT_TORCH_PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 120_000 });
  if (py.status !== 0) return `${DEFAULT_TORCH_PYTHON} -c "import torch" failed: ${(py.stderr || String(py.error ?? "")).trim().split("\n").pop() ?? ""}`;
  if (!existsSync(path.resolve(REPO_ROOT, DEFAULT_TORCH_BENCH))) return `no ${path.resolve(REPO_ROOT, DEFAULT_TORCH_BENCH)}`;
  return null;
}
const skip = skipReason();

describe("pnpm bench --vs-torch", () => {
  it.skipIf(skip !== null)(`runs the smallest configuration against bench.py end to end${skip === null ? "" : ` (skipped: ${skip})`}`, () => {
    const cli = path.join(REPO_ROOT, "apps/bench/dist/cli.js");
    if (!existsSync(cli)) throw new Error(`no ${cli}: run pnpm build first`);
    const out = mkdtempSync(path.join(tmpdir(), "trm-vs-torch-"));
    try {
      const args = ["--config", "tiny-trm-sudoku4", "--vs-torch", "--torch-match-halt", "--runs", "1", "--rounds", "1", "--no-eval", "--out", out];
      const r = spawnSync(process.execPath, [cli, ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 600_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/bench: tiny-trm-sudoku4 round 1\/1: PyTorch 1\/2 threads \.\.\./);
      expect(r.stdout).toMatch(/\| tiny-trm-sudoku4 \| 32 \| 1 \| [\d.]+ -> [\d.]+ \| [\d.]+; [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+x \| - \| - \| - \| - \|/);
      const file = readdirSync(out).find((f) => f.startsWith("vs-torch-wasm-"));
      if (file === undefined) throw new Error(`no vs-torch JSON in ${out}`);
      const json = JSON.parse(readFileSync(path.join(out, file), "utf8")) as { rows: { rounds: { trainRatio: number; torchTrain: { meanMs: number }[] }[] }[] };
      const round = json.rows[0]?.rounds[0];
      expect(round?.torchTrain).toHaveLength(2);
      expect(round?.trainRatio).toBeGreaterThan(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
