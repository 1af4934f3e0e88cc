import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@trm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstNonFinite, listCheckpoints } from "./checkpoint.js";

const dir = mkdtempSync(join(tmpdir(), "ckpt-checks-"));
beforeAll(async () => {
  await useBackend("cpu", { log: null });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checkpoint checks", () => {
  it("weights of NaN, an infinity or a diverged magnitude are unusable; optimiser moments are only checked for finiteness", async () => {
    const before = tf.memory().numTensors;
    const t = (values: number[]) => tf.tensor1d(values);
    const cases: [string, tf.Tensor, RegExp | null][] = [
      ["w", t([1, -2.5, 1e7]), null],
      ["w", t([1, 1e30]), /^tensor "w" holds values up to 1\.0e\+30 in magnitude \(over 1e\+8: diverged\)$/],
      ["ema.w", t([-3e9]), /^tensor "ema\.w" holds values up to 3\.0e\+9/],
      ["w", t([Number.NaN]), /^tensor "w" holds NaN or an infinity$/],
      ["optim.m", t([1e30]), null],
      ["optim.v", t([Number.POSITIVE_INFINITY]), /^tensor "optim\.v" holds NaN or an infinity$/],
      ["empty", tf.tensor1d([]), null],
    ];
    for (const [name, tensor, expected] of cases) {
      const why = await firstNonFinite(new Map([[name, tensor]]));
      if (expected === null) expect(why, name).toBeNull();
      else expect(why, name).toMatch(expected);
      tensor.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a checkpoint of another run is skipped with its reason, never silently", async () => {
    const state = { format: "trm-train-checkpoint", version: 1, step: 2, samples: 16, totalSteps: 2, carryGroups: 0, elapsedSeconds: 1, weights: "step-00000002.safetensors", haltingRng: [1, 2, 3, 4], optimizer: { stepCount: 2 }, config: {}, runId: "0123456789abcdef" };
    writeFileSync(join(dir, "step-00000002.json"), JSON.stringify(state));
    writeFileSync(join(dir, "step-00000002.safetensors"), "");
    const skipped: string[] = [];
    const refs = await listCheckpoints(dir, { runId: "fedcba9876543210", onSkip: (path, why) => skipped.push(`${path}: ${why}`) });
    expect(refs).toEqual([]);
    expect(skipped).toEqual([`${join(dir, "step-00000002.json")}: field "runId": "0123456789abcdef" is another run's, not this folder's run fedcba9876543210 (run.json)`]);
    expect((await listCheckpoints(dir, { runId: "0123456789abcdef" })).map((r) => r.step)).toEqual([2]);
  });
});
