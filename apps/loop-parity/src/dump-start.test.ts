import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { useBackend } from "@trm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./main.js";
import { type ParityOptions } from "./options.js";
import { tinyOptions, tinySudokuFolder } from "./test-utils/tiny.js";
import { dumpStart, runProjectLoop } from "./trace.js";

let dir = "";
beforeAll(async () => {
  await useBackend("wasm", { log: null });
  dir = tinySudokuFolder("dump-start-");
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tiny = (over: Partial<ParityOptions>): ParityOptions => tinyOptions(dir, { steps: 5, ...over });

describe("loop-parity --dump-only", () => {
  it("writes the initial weights and the batches a fit run of the same seed starts from, without training", async () => {
    const o = tiny({ seed: 7 });
    const trained = await runProjectLoop(o, join(dir, "fit"), new Set());
    const dumped = await dumpStart(o, join(dir, "dump"));
    expect(readFileSync(dumped.initPath).equals(readFileSync(trained.initPath))).toBe(true);
    expect(readFileSync(dumped.batchesPath, "utf8")).toBe(readFileSync(trained.batchesPath, "utf8"));
    const batches = JSON.parse(readFileSync(dumped.batchesPath, "utf8")) as { B: number; batches: unknown[] };
    expect(batches.B).toBe(8);
    expect(batches.batches).toHaveLength(5);
  });

  it("another seed gives other weights and another batch order", async () => {
    const a = await dumpStart(tiny({ seed: 1 }), join(dir, "s1"));
    const b = await dumpStart(tiny({ seed: 2 }), join(dir, "s2"));
    expect(readFileSync(a.initPath).equals(readFileSync(b.initPath))).toBe(false);
    expect(readFileSync(a.batchesPath, "utf8")).not.toBe(readFileSync(b.batchesPath, "utf8"));
  });

  it("is a CLI flag that needs no Python", async () => {
    const out = join(dir, "cli");
    const code = await main(["--dump-only", "--data", join(dir, "data"), "--hidden", "16", "--L-layers", "1", "--batch", "8", "--steps", "3", "--out", out, "--python", join(dir, "no-python")]);
    expect(code).toBe(0);
    expect((JSON.parse(readFileSync(join(out, "batches.json"), "utf8")) as { batches: unknown[] }).batches).toHaveLength(3);
    expect(readFileSync(join(out, "init.safetensors")).length).toBeGreaterThan(1000);
  });
});
