import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Sha256, sha256Hex } from "./sha256.js";

describe("sha256Hex", () => {
  it("matches node:crypto on the standard vectors and on lengths around the 64-byte block", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (const n of [1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(sha256Hex(bytes)).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });

  it("hashes updates as their concatenation, text as UTF-8", () => {
    const h = new Sha256().update(new Uint8Array([1, 2, 3])).update("|é").hex();
    expect(h).toBe(createHash("sha256").update(new Uint8Array([1, 2, 3])).update("|é").digest("hex"));
    const ints = Int32Array.from([1, -2, 300000]);
    expect(sha256Hex(ints)).toBe(createHash("sha256").update(ints).digest("hex"));
  });
});
