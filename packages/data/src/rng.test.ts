import { describe, expect, it } from "vitest";
import { createRng } from "./rng.js";

describe("createRng", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it("restores its state exactly", () => {
    const r = createRng(123);
    for (let i = 0; i < 10; i++) r.next();
    const s = r.state();
    const after = Array.from({ length: 8 }, () => r.int(0, 1000));
    const r2 = createRng(999);
    r2.setState(s);
    expect(Array.from({ length: 8 }, () => r2.int(0, 1000))).toEqual(after);
  });

  it("int stays in range and hits every value; shuffle is a permutation", () => {
    const r = createRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(-3, 4);
      expect(v >= -3 && v < 4).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
    const p = r.permutation(50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => r.int(3, 3)).toThrow(/lo < hiExclusive/);
    expect(() => r.setState([1, 2, 3])).toThrow(/4 unsigned/);
  });

  it("has a roughly uniform mean", () => {
    const r = createRng(42);
    let sum = 0;
    for (let i = 0; i < 20000; i++) sum += r.next();
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.01);
  });
});
