import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "./atomic-write.js";

describe("writeFileAtomic", () => {
  it("replaces the file whole and leaves no temporary file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "atomic-"));
    const path = join(dir, "a.json");
    await writeFile(path, "old");
    await writeFileAtomic(path, "new");
    await writeFileAtomic(join(dir, "b.bin"), new Uint8Array([1, 2, 3]));
    expect(await readFile(path, "utf8")).toBe("new");
    expect([...(await readFile(join(dir, "b.bin")))]).toEqual([1, 2, 3]);
    expect((await readdir(dir)).sort()).toEqual(["a.json", "b.bin"]);
  });

  it("names the path on failure and keeps the previous file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "atomic-"));
    const parentIsFile = join(dir, "f");
    await writeFile(parentIsFile, "keep");
    await expect(writeFileAtomic(join(parentIsFile, "x.json"), "data", "config")).rejects.toThrow(
      `Cannot write config ${join(parentIsFile, "x.json")}: ENOTDIR`,
    );
    expect(await readFile(parentIsFile, "utf8")).toBe("keep");
    expect(await readdir(dir)).toEqual(["f"]);
  });
});
