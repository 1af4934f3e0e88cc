import { describe, expect, it } from "vitest";
import { limitRows, sliceBatch } from "./batch-utils.js";
import { fakeBatch } from "./test-utils/fake-model.js";

describe("batch utils", () => {
  it("slices rows as copies", () => {
    const b = fakeBatch(4, 3, 5, 1);
    const s = sliceBatch(b, 1, 2);
    expect(s.size).toBe(2);
    expect(Array.from(s.inputs)).toEqual(Array.from(b.inputs.slice(3, 9)));
    expect(Array.from(s.puzzleIdentifiers)).toEqual(Array.from(b.puzzleIdentifiers.slice(1, 3)));
    s.inputs[0] = 99;
    expect(b.inputs[3]).not.toBe(99);
    expect(() => sliceBatch(b, 3, 2)).toThrow(/rows \[3, 5\) are outside a batch of 4/);
  });

  it("limits evaluation to the first N real rows", () => {
    const batches = [fakeBatch(4, 2, 5, 1), { ...fakeBatch(4, 2, 5, 2), realSize: 3 }, fakeBatch(4, 2, 5, 3)];
    expect([...limitRows(batches, 6)].map((b) => b.realSize)).toEqual([4, 2]);
    expect([...limitRows(batches, undefined)].map((b) => b.realSize)).toEqual([4, 3, 4]);
  });
});
