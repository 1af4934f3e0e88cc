import { describe, expect, it } from "vitest";
import { blockFlops, headFlops, stepFlops, swigluInner, type FlopShape } from "./flops.js";

// Hand counts, product by product, written out so a change of formula shows up here.
describe("flops", () => {
  it("SwiGLU inner widths match the official rounding", () => {
    expect(swigluInner(512, 4)).toBe(1536);
    expect(swigluInner(97, 4)).toBe(512); // the Sudoku token mixer, S = 81 + 16
    expect(swigluInner(128, 4)).toBe(512); // round(341.33) = 341 -> 512
  });

  it("trm-mlp-sudoku: B=16, S=97, D=512, F=1536, token-mix F=512, T=3, n=6, 2 layers", () => {
    const s: FlopShape = {
      kind: "trm", batch: 16, seqLen: 81, prefixLen: 16, hidden: 512, heads: 8, expansion: 4, vocab: 11,
      mixer: "mlp_t", hCycles: 3, lCycles: 6, lLayers: 2, hLayers: 0,
    };
    // token mix: 6 * (16*512 rows) * 97 * 512 = 2,441,084,928; channel MLP: 6 * 1552 * 512 * 1536 = 7,323,254,784
    expect(blockFlops(s)).toBe(2_441_084_928 + 7_323_254_784);
    // lm_head 2*16*81*512*11 = 14,598,144; q_head 2*16*512*2 = 32,768
    expect(headFlops(s)).toBe(14_630_912);
    const f = stepFlops(s);
    // 3 cycles x 7 net calls x 2 blocks = 42 blocks forward, 14 of them with gradient
    expect(f.forward).toBe(42 * 9_764_339_712 + 14_630_912);
    expect(f.gradPart).toBe(14 * 9_764_339_712 + 14_630_912);
    expect(f.train).toBe(683_547_672_576);
    expect(f.evalStep).toBe(f.forward);
  });

  it("trm-tiny: attention, B=64, S=52, D=128, 4 heads, T=2, n=3", () => {
    const s: FlopShape = {
      kind: "trm", batch: 64, seqLen: 36, prefixLen: 16, hidden: 128, heads: 4, expansion: 4, vocab: 8,
      mixer: "attention", hCycles: 2, lCycles: 3, lLayers: 2, hLayers: 0,
    };
    // qkv 327,155,712 + scores 44,302,336 + mix 44,302,336 + out 109,051,904 + mlp 1,308,622,848
    expect(blockFlops(s)).toBe(1_833_435_136);
    const f = stepFlops(s);
    expect(f.forward).toBe(29_339_713_536);
    expect(f.train).toBe(58_684_178_432);
  });

  it("hrm-tiny: 2 H cycles x (2 L calls + 1 H call), 2 + 2 layers, gradient through the last L and H, + Q target forward", () => {
    const s: FlopShape = {
      kind: "hrm", batch: 64, seqLen: 36, prefixLen: 1, hidden: 128, heads: 4, expansion: 4, vocab: 8,
      mixer: "attention", hCycles: 2, lCycles: 2, lLayers: 2, hLayers: 2,
    };
    // qkv 232,783,872 + scores/mix 2 x 22,429,696 + out 77,594,624 + mlp 931,135,488
    expect(blockFlops(s)).toBe(1_286_373_376);
    const f = stepFlops(s);
    expect(f.forward).toBe(12 * 1_286_373_376 + 4_751_360);
    expect(f.gradPart).toBe(4 * 1_286_373_376 + 4_751_360);
    // forward + the Q-target forward + 2 x gradPart
    expect(f.train).toBe(41_182_953_472);
  });
});
