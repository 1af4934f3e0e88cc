import { describe, expect, it } from "vitest";
import { sliceBatch } from "./batch-utils.js";
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

});
