// Property-based fuzzing of the parsers of @trm/train: config files (YAML/JSON), `--set` overrides, the config schema
// and checkpoint JSON. Whatever the input, they return a value or throw an error naming the source; never a raw engine
// error, never a hang, and never a change to Object.prototype.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointProblem } from "./checkpoint.js";
import { applyOverrides, ConfigError, parseTrainConfig, readConfigFile } from "./config.js";
import { PRESETS } from "./presets.js";

const RUNS = { numRuns: 150 };
const RAW_ENGINE_TEXT = /Cannot read properties|is not a function|Invalid typed array length|Maximum call stack|is not iterable|undefined \(reading/;
const dir = mkdtempSync(join(tmpdir(), "train-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.integer({ min: 1, max: 20000 }).map((d) => JSON.parse("[".repeat(d) + "]".repeat(d)) as unknown),
  fc.integer({ min: 1, max: 5000 }).map((d) => JSON.parse('{"a":'.repeat(d) + "1" + "}".repeat(d)) as unknown),
);
const tiny = PRESETS["tiny-trm-sudoku4"]?.config as unknown as Record<string, unknown>;
const FIELDS = [...Object.keys(tiny), "arch.hidden_size", "arch.L_cycles", "arch.forward_dtype", "arch.name", "lr", "__proto__", "constructor", "x"];

function clean(e: unknown, source: string): void {
  if (!(e instanceof Error)) throw new Error(`not an Error: ${String(e)}`);
  expect(e.message).toContain(source);
  expect(e.message).not.toMatch(RAW_ENGINE_TEXT);
}

describe("config and checkpoint parsers never leak engine errors (fuzz)", () => {
  it("parseTrainConfig: arbitrary values, and a valid config with fields replaced by arbitrary values", () => {
    fc.assert(
      fc.property(anyJson, fc.constantFrom(...FIELDS), fc.jsonValue(), (raw, field, value) => {
        for (const input of [raw, { ...tiny, [field]: value }, { ...tiny, arch: { ...(tiny.arch as object), [field.replace(/^arch\./, "")]: value } }]) {
          try {
            parseTrainConfig(input, "c.yaml");
          } catch (e) {
            expect(e).toBeInstanceOf(ConfigError);
            clean(e, "c.yaml");
          }
        }
      }),
      RUNS,
    );
  });

  it("--set: arbitrary key=value text never reaches Object.prototype and fails only as a ConfigError", () => {
    const key = fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 12 }), fc.array(fc.constantFrom("arch", "__proto__", "", "lr", "a"), { maxLength: 4 }).map((p) => p.join(".")));
    const value = fc.oneof(fc.string({ maxLength: 16 }), fc.jsonValue().map((v) => JSON.stringify(v)), fc.integer({ min: 1, max: 3000 }).map((d) => "[".repeat(d)));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.tuple(key, value).map(([k, v]) => `${k}=${v}`), fc.string({ maxLength: 8 })), { maxLength: 4 }), (sets) => {
        try {
          parseTrainConfig(applyOverrides(tiny, sets), "--set");
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          clean(e, "");
        }
        expect(({} as Record<string, unknown>).lr).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty("x");
      }),
      RUNS,
    );
  });

  it("config files: arbitrary text, YAML anchors and deep nesting are read or refused naming the file", async () => {
    const texts = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.integer({ min: 1, max: 3000 }).map((d) => "[".repeat(d) + "]".repeat(d)),
      fc.integer({ min: 2, max: 12 }).map((k) => Array.from({ length: k }, (_, i) => `a${i}: &a${i} [${i === 0 ? "x,x,x,x,x,x,x,x" : Array(8).fill(`*a${i - 1}`).join(",")}]`).join("\n")),
      fc.constantFrom("arch:\n  name: trm\n  hidden_size: [", "\uFEFFlr: 1e-4\n", "<<: *x\n"),
    );
    await fc.assert(
      fc.asyncProperty(texts, async (text) => {
        const file = join(dir, "c.yaml");
        writeFileSync(file, text);
        try {
          parseTrainConfig(await readConfigFile(file), file);
        } catch (e) {
          clean(e, file);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("checkpoint JSON: any value gets a reason or null, never an exception", () => {
    const base = { format: "trm-train-checkpoint", version: 1, step: 2, samples: 16, totalSteps: 2, carryGroups: 0, elapsedSeconds: 1, weights: "step-00000002.safetensors", haltingRng: [1, 2, 3, 4], optimizer: { stepCount: 2 }, config: {} };
    fc.assert(
      fc.property(anyJson, fc.constantFrom(...Object.keys(base), "runId", "sampler"), fc.jsonValue(), (raw, field, value) => {
        for (const input of [raw, { ...base, [field]: value }]) {
          const why = checkpointProblem(input);
          if (why !== null) expect(why).not.toMatch(RAW_ENGINE_TEXT);
        }
      }),
      RUNS,
    );
    expect(checkpointProblem(base)).toBeNull();
  });
});
