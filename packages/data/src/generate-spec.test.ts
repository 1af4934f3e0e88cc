import { describe, expect, it } from "vitest";
import { parseGenerateSpec } from "./generate-spec.js";

describe("parseGenerateSpec", () => {
  it("reads the task prefix and key=value pairs", () => {
    expect(parseGenerateSpec("sudoku:size=4,train=2000,test=200")).toEqual({ task: "sudoku", params: { size: "4", train: "2000", test: "200" } });
    expect(parseGenerateSpec("side=9, train=3")).toEqual({ params: { side: "9", train: "3" } });
  });
  it("rejects malformed pairs and repeated keys", () => {
    expect(() => parseGenerateSpec("maze:side")).toThrow(/expected key=value, got "side"/);
    expect(() => parseGenerateSpec("maze:side=3,side=4")).toThrow(/"side" given twice/);
  });
});
