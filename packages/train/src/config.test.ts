import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyOverrides, ConfigError, editDistance, parseTrainConfig, readConfigFile, yamlNestingDepth } from "./config.js";
import { PRESETS } from "./presets.js";
import { defaultsOf, resolveTrmConfig, TRM_FIELDS } from "@trm/core";

describe("config", () => {
  it("fills the official defaults", () => {
    const c = parseTrainConfig({ arch: { name: "trm" } });
    expect(c).toMatchObject({ global_batch_size: 768, lr: 1e-4, lr_min_ratio: 1, lr_warmup_steps: 2000, beta1: 0.9, beta2: 0.95 });
    expect(c).toMatchObject({ optimizer: "adam_atan2", ema: true, ema_rate: 0.999 });
  });

  it("names an unknown key and suggests the nearest valid one, at the top level and in arch", () => {
    const err = (() => {
      try {
        parseTrainConfig({ arch: { name: "trm", L_cylces: 4 }, learning_rate: 1, weight_decy: 0.1 }, "run.yaml");
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain("Invalid config (run.yaml)");
    expect(err.problems).toContain('weight_decy: unknown key; did you mean "weight_decay"?');
    expect(err.problems).toContain('arch.L_cylces: unknown key; did you mean "arch.L_cycles"?');
    expect(err.problems.find((p) => p.startsWith("learning_rate"))).toMatch(/unknown key/);
  });

  it("names a mistyped value with what it got", () => {
    expect(() => parseTrainConfig({ arch: { name: "trm" }, lr: "fast" })).toThrow(/lr: .*number.*\(got the string "fast"\)/);
    expect(() => parseTrainConfig({ arch: { name: "trm", H_cycles: 2.5 } })).toThrow(/arch\.H_cycles: .*int/);
    expect(() => parseTrainConfig({ arch: { name: "trm" }, global_batch_size: 8, micro_batch_size: 3 })).toThrow(/micro_batch_size: 3 does not divide global_batch_size 8/);
  });

  it("applies --set overrides with YAML-typed values on dotted paths", () => {
    const raw = applyOverrides({ arch: { name: "trm", L_cycles: 6 }, lr: 1e-4 }, ["arch.L_cycles=4", "lr=3e-4", "ema=false", "arch.pos_encodings=none"]);
    expect(raw).toEqual({ arch: { name: "trm", L_cycles: 4, pos_encodings: "none" }, lr: 3e-4, ema: false });
    expect(() => applyOverrides({}, ["lr"])).toThrow(/expected key=value/);
  });

  it("reads YAML and JSON files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trm-cfg-"));
    await writeFile(join(dir, "a.yaml"), "arch:\n  name: hrm\nlr: 7.0e-5\n");
    await writeFile(join(dir, "b.json"), JSON.stringify({ arch: { name: "trm" }, global_batch_size: 384 }));
    expect(parseTrainConfig(await readConfigFile(join(dir, "a.yaml"))).lr).toBe(7e-5);
    expect(parseTrainConfig(await readConfigFile(join(dir, "b.json"))).global_batch_size).toBe(384);
    await expect(readConfigFile(join(dir, "missing.yaml"))).rejects.toThrow(/Cannot read config file .*missing\.yaml/);
    await rm(dir, { recursive: true });
  });

  it("edit distance counts insertions, deletions and substitutions", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("lr", "lr")).toBe(0);
  });

  it("every preset passes the schema", () => {
    for (const [name, p] of Object.entries(PRESETS)) expect(() => parseTrainConfig(p.config, name), name).not.toThrow();
    const sudoku = { vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1 };
    // A preset writes only what differs from the official defaults; the model's field table fills the rest.
    expect(parseTrainConfig(PRESETS["sudoku-mlp"]?.config).arch).toEqual({ name: "trm", mlp_t: true, pos_encodings: "none" });
    expect(resolveTrmConfig({ ...parseTrainConfig(PRESETS["sudoku-mlp"]?.config).arch, ...sudoku })).toMatchObject({
      mlp_t: true,
      pos_encodings: "none",
      H_cycles: 3,
      L_cycles: 6,
      L_layers: 2,
      hidden_size: 512,
      puzzle_emb_len: 16,
      halt_max_steps: 16,
    });
    expect(resolveTrmConfig({ ...parseTrainConfig(PRESETS.maze?.config).arch, ...sudoku })).toMatchObject({ H_cycles: 3, L_cycles: 4 });
    expect(parseTrainConfig(PRESETS.arc1?.config)).toMatchObject({ puzzle_emb_lr: 1e-2, weight_decay: 0.1, epochs: 100000 });
    expect(parseTrainConfig(PRESETS["hrm-sudoku"]?.config).arch).toEqual({ name: "hrm" });
  });

  it("checks arch against core's field table: every TRM field but the dataset's, with its range", () => {
    const defaults = Object.entries(defaultsOf(TRM_FIELDS)).filter(([k]) => !["vocab_size", "seq_len", "num_puzzle_identifiers"].includes(k));
    expect(defaults.length).toBeGreaterThan(10);
    expect(parseTrainConfig({ arch: { name: "trm", ...Object.fromEntries(defaults) } }).arch).toEqual({ name: "trm", ...Object.fromEntries(defaults) });
    const base = { arch: { name: "trm" } };
    expect(() => parseTrainConfig(applyOverrides(base, ["arch.num_heads=0"]))).toThrow(/arch\.num_heads: .*(got number 0)/);
    expect(() => parseTrainConfig(applyOverrides(base, ["arch.halt_exploration_prob=1.5"]))).toThrow(/arch\.halt_exploration_prob: .*(got number 1.5)/);
    expect(() => parseTrainConfig(applyOverrides(base, ["arch.expansion=0"]))).toThrow(/arch\.expansion: .*(got number 0)/);
    expect(() => parseTrainConfig(applyOverrides(base, ["arch.pos_encodings=sinusoid"]))).toThrow(/arch\.pos_encodings: .*rope.*got the string "sinusoid"/);
    expect(() => parseTrainConfig(applyOverrides(base, ["arch.vocab_size=10"]))).toThrow(/arch\.vocab_size: unknown key/);
  });

  it("rejects a zero learning rate, an unknown forward_dtype and prototype keys, naming each", async () => {
    const base = { arch: { name: "trm" } };
    expect(() => parseTrainConfig(applyOverrides(base, ["lr=0"]))).toThrow(/lr: .*(got number 0)/);
    expect(() => parseTrainConfig(applyOverrides(base, ["arch.forward_dtype=garbage"]))).toThrow(/arch\.forward_dtype: .*bfloat16.*got the string "garbage"/);
    expect(() => applyOverrides(base, ["__proto__.lr=7"])).toThrow(/__proto__: not a config key/);
    expect(() => applyOverrides(base, ["arch.constructor=1"])).toThrow(ConfigError);
    expect(({} as Record<string, unknown>).lr).toBeUndefined();
    const dir = await mkdtemp(join(tmpdir(), "cfg-proto-"));
    try {
      await writeFile(join(dir, "p.yaml"), "arch:\n  name: trm\n__proto__:\n  lr: 7\n");
      await expect(readConfigFile(join(dir, "p.yaml"))).rejects.toThrow(/__proto__: not a config key/);
      await writeFile(join(dir, "deep.json"), `{"arch": ${"[".repeat(5000)}${"]".repeat(5000)}}`);
      await expect(readConfigFile(join(dir, "deep.json"))).rejects.toThrow(/nested too deeply/);
      await writeFile(join(dir, "deep.yaml"), `arch:\n  name: trm\n  L_cycles: ${"[".repeat(9)}1${"]".repeat(9)}\n`);
      await expect(readConfigFile(join(dir, "deep.yaml"))).rejects.toThrow(/nested too deeply/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses deep YAML nesting from the syntax tree, before the recursive composer can meet the stack's edge", async () => {
    const deep = {
      flow: `${"[".repeat(20000)}${"]".repeat(20000)}`,
      map: `${"{a: ".repeat(3000)}1${"}".repeat(3000)}`,
      dashes: `${"- ".repeat(3000)}x`,
      indented: Array.from({ length: 200 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n"),
    };
    expect(yamlNestingDepth("arch:\n  name: trm\n  puzzle_emb_ndim: 512\nlr: 1e-4\n")).toBe(2);
    expect(yamlNestingDepth("a: [1, [2, {b: 3}]]")).toBe(4);
    const dir = await mkdtemp(join(tmpdir(), "cfg-deep-"));
    try {
      for (const [name, text] of Object.entries(deep)) {
        expect(yamlNestingDepth(text), name).toBeGreaterThan(64);
        const file = join(dir, `${name}.yaml`);
        await writeFile(file, text);
        const err = await readConfigFile(file).catch((e: unknown) => e);
        expect(err, name).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).message).toContain(file);
        expect((err as ConfigError).problems[0]).toMatch(/^nested too deeply/);
      }
      expect(() => applyOverrides({}, [`arch.L_cycles=${deep.flow}`])).toThrow(/--set.*"arch\.L_cycles": the value is nested too deeply/s);
      const tagged = join(dir, "tagged.yaml");
      await writeFile(tagged, 'arch:\n  name: trm\nlr: !!js/function "() => 1"\n');
      await expect(readConfigFile(tagged)).rejects.toThrow(`Config file ${tagged} is not valid YAML/JSON: Unresolved tag: tag:yaml.org,2002:js/function`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
