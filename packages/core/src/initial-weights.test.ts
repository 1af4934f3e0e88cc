import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRng } from "@trm/data";
import { moments } from "./test-utils/moments.js";
import { useBackend } from "./backend.js";
import { initialValues } from "./param-spec.js";
import { initialWeightsSeed } from "./supervision-step.js";
import { resolveTrmConfig, trmTensors } from "./trm-config.js";
import { createTrm, type Trm } from "./trm.js";

/**
 * A whole model's initial tensors against the official code (`models/layers.py`, `models/common.py`,
 * `models/recursive_reasoning/trm.py`), with the formulas written out here rather than taken from the project's tables:
 * CastedLinear [out, in] ~ truncated normal with std 1/sqrt(in); CastedEmbedding (tokens and learned positions) std
 * 1/sqrt(hidden); H_init, L_init std 1; q_head weight 0 and bias -5; the puzzle table zeros; every truncated normal cut at
 * +-2 of its underlying sigma, which is std / 0.87962566 (JAX's truncated normal: the samples have exactly `std`).
 */
const CUT = 2 / 0.8796256610342398;

/** Python's round (halves to even), then up to a multiple of 256: the official SwiGLU inner width. */
function officialInner(hidden: number, expansion: number): number {
  const x = (expansion * hidden * 2) / 3;
  const r = x - Math.floor(x) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
  return Math.ceil(r / 256) * 256;
}

/** Standard normal CDF truncated to [-2, 2] (for a Kolmogorov-Smirnov check). */
function truncatedCdf(z: number): number {
  const phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
  return (phi(z) - phi(-2)) / (phi(2) - phi(-2));
}
function erf(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function corr(a: Float32Array, b: Float32Array): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

const values = (m: Trm, name: string): Float32Array => {
  const v = m.params.get(name) ?? m.buffers.get(name) ?? (name === "inner.puzzle_emb.weights" ? m.puzzleEmb : undefined);
  if (!v) throw new Error(`no tensor ${name}`);
  return v.dataSync() as Float32Array;
};

const shapeOf = (m: Trm, name: string): number[] => (m.params.get(name) ?? m.buffers.get(name))!.shape;

beforeAll(async () => {
  await useBackend("cpu", { log: null });
});

describe("initial weights against the official init", () => {
  const hidden = 64;
  const base = { hidden_size: hidden, num_heads: 4, expansion: 4, L_layers: 2, vocab_size: 12, seq_len: 30, num_puzzle_identifiers: 5, puzzle_emb_len: 2 };
  let att: Trm;
  let mlp: Trm;
  beforeAll(() => {
    att = createTrm({ ...base, pos_encodings: "learned" }, { seed: 3 });
    mlp = createTrm({ ...base, mlp_t: true, pos_encodings: "none" }, { seed: 3 });
  });
  afterAll(() => {
    att.dispose();
    mlp.dispose();
  });

  /** Official std of every truncated-normal tensor of `m`, by its official name. */
  function officialStd(m: Trm, name: string): number {
    if (name.endsWith("H_init") || name.endsWith("L_init")) return 1;
    if (name.includes("embed_tokens") || name.includes("embed_pos")) return 1 / Math.sqrt(hidden);
    return 1 / Math.sqrt(shapeOf(m, name)[1]!); // CastedLinear(in, out): weight [out, in], fan-in = in
  }

  it("has the official shapes: SwiGLU width, mlp_t over the positions, fused qkv", () => {
    const inner = officialInner(hidden, 4);
    expect(shapeOf(att, "inner.L_level.layers.0.mlp.gate_up_proj.weight")).toEqual([2 * inner, hidden]);
    expect(shapeOf(att, "inner.L_level.layers.0.mlp.down_proj.weight")).toEqual([hidden, inner]);
    expect(shapeOf(att, "inner.L_level.layers.0.self_attn.qkv_proj.weight")).toEqual([3 * hidden, hidden]);
    expect(shapeOf(att, "inner.embed_pos.embedding_weight")).toEqual([30 + 2, hidden]);
    const positions = 30 + 2;
    const innerT = officialInner(positions, 4);
    expect(shapeOf(mlp, "inner.L_level.layers.1.mlp_t.gate_up_proj.weight")).toEqual([2 * innerT, positions]);
    expect(shapeOf(mlp, "inner.L_level.layers.1.mlp_t.down_proj.weight")).toEqual([positions, innerT]);
  });

  it("starts the Q head at weight 0, bias -5 and the puzzle table at zeros", () => {
    for (const m of [att, mlp]) {
      expect(Array.from(values(m, "inner.q_head.weight")).every((x) => x === 0)).toBe(true);
      expect(Array.from(values(m, "inner.q_head.bias"))).toEqual([-5, -5]);
      expect(Array.from(values(m, "inner.puzzle_emb.weights")).every((x) => x === 0)).toBe(true);
    }
  });

  it("draws every other tensor with the official std (fan-in = in_features) and cut at +-2 underlying sigma", () => {
    for (const m of [att, mlp]) {
      const names = [...m.params.keys(), ...m.buffers.keys()].filter((n) => !n.includes("q_head"));
      expect(names.length).toBeGreaterThan(8);
      for (const name of names) {
        const x = values(m, name);
        const std = officialStd(m, name);
        const { mean, sd, max } = moments(x);
        // Sampling error of a std estimate is about std / sqrt(2n); 5 of them (H_init has only 64 entries).
        const tol = 5 / Math.sqrt(2 * x.length);
        expect(Math.abs(sd / std - 1), `${name}: std ${sd} against ${std}`).toBeLessThan(tol);
        expect(Math.abs(mean) / std, `${name}: mean ${mean}`).toBeLessThan(5 / Math.sqrt(x.length));
        expect(max, `${name}: max |x| ${max} beyond the cut ${CUT * std}`).toBeLessThanOrEqual(CUT * std * (1 + 1e-6));
      }
    }
  });

  it("follows the truncated normal's whole distribution (Kolmogorov-Smirnov over every weight)", () => {
    const z: number[] = [];
    for (const name of [...att.params.keys(), ...att.buffers.keys()].filter((n) => !n.includes("q_head"))) {
      const std = officialStd(att, name);
      for (const v of values(att, name)) z.push((v / std) * (2 / CUT));
    }
    z.sort((a, b) => a - b);
    let d = 0;
    for (let i = 0; i < z.length; i++) {
      const f = truncatedCdf(z[i]!);
      d = Math.max(d, (i + 1) / z.length - f, f - i / z.length);
    }
    // 1.63 / sqrt(n) is the 1% critical value.
    expect(d * Math.sqrt(z.length)).toBeLessThan(1.63);
  });

  it("draws no two tensors or halves alike: gate vs up, q vs k vs v, H_init vs L_init, layer 0 vs layer 1", () => {
    const halves = (name: string, parts: number): Float32Array[] => {
      const x = values(att, name);
      const n = x.length / parts;
      return Array.from({ length: parts }, (_, i) => x.slice(i * n, (i + 1) * n));
    };
    const pairs: [string, Float32Array, Float32Array][] = [];
    const [gate, up] = halves("inner.L_level.layers.0.mlp.gate_up_proj.weight", 2);
    pairs.push(["gate / up", gate!, up!]);
    const [q, k, v] = halves("inner.L_level.layers.1.self_attn.qkv_proj.weight", 3);
    pairs.push(["q / k", q!, k!], ["k / v", k!, v!], ["q / v", q!, v!]);
    pairs.push(["H_init / L_init", values(att, "inner.H_init"), values(att, "inner.L_init")]);
    pairs.push(["layer 0 / layer 1", values(att, "inner.L_level.layers.0.mlp.down_proj.weight"), values(att, "inner.L_level.layers.1.mlp.down_proj.weight")]);
    pairs.push(["embed_tokens / lm_head", values(att, "inner.embed_tokens.embedding_weight"), values(att, "inner.lm_head.weight")]);
    for (const [what, a, b] of pairs) {
      expect(a.length).toBe(b.length);
      // Independent draws: |corr| ~ 1/sqrt(n); 4.5 of them is far beyond chance for 7 pairs.
      expect(Math.abs(corr(a, b)), what).toBeLessThan(4.5 / Math.sqrt(a.length));
      // Neighbouring entries are independent too (no lag-1 structure in the stream).
      expect(Math.abs(corr(a.subarray(1), a.subarray(0, -1))), `${what}: lag 1`).toBeLessThan(4.5 / Math.sqrt(a.length));
    }
  });

  it("replays for the same seed and changes with it", () => {
    const again = createTrm({ ...base, pos_encodings: "learned" }, { seed: 3 });
    const other = createTrm({ ...base, pos_encodings: "learned" }, { seed: 4 });
    try {
      const name = "inner.L_level.layers.0.self_attn.qkv_proj.weight";
      expect(values(again, name)).toEqual(values(att, name));
      expect(Math.abs(corr(values(other, name), values(att, name)))).toBeLessThan(4.5 / Math.sqrt(values(att, name).length));
    } finally {
      again.dispose();
      other.dispose();
    }
  });
});

describe("the initial weights' random stream", () => {
  const cfg = { hidden_size: 16, num_heads: 2, expansion: 2, L_layers: 1, vocab_size: 6, seq_len: 8, num_puzzle_identifiers: 2, puzzle_emb_len: 1 };

  it("is not the stream a sampler seeded with the same number draws (official: torch's generator for weights, numpy's for data)", () => {
    const model = createTrm(cfg, { seed: 5 });
    try {
      const spec = trmTensors(resolveTrmConfig(cfg)).params[0]!;
      const embed = values(model, spec.name);
      // What the first tensor would be if it were drawn from createRng(5), the stream TrainSampler({ seed: 5 }) uses.
      const fromSamplerStream = initialValues(spec, createRng(5));
      expect(embed).not.toEqual(fromSamplerStream);
      expect(Math.abs(corr(embed, fromSamplerStream))).toBeLessThan(4.5 / Math.sqrt(embed.length));
      // It is the stream of initialWeightsSeed(5), one for every seed.
      expect(embed).toEqual(initialValues(spec, createRng(initialWeightsSeed(5))));
    } finally {
      model.dispose();
    }
  });

  it("gives every seed its own stream, above 2^32 too", () => {
    const seeds = [0, 1, 2, 0x1b873593, 2 ** 32, 2 ** 32 + 1, 2 ** 40];
    const mapped = seeds.map(initialWeightsSeed);
    expect(new Set(mapped).size).toBe(seeds.length);
    for (const [i, s] of seeds.entries()) expect(mapped[i]).not.toBe(s);
    expect(initialWeightsSeed(7.9)).toBe(initialWeightsSeed(7));
  });
});
