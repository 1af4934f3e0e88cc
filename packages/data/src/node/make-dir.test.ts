import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeBuiltDataset } from "./dataset-files.js";
import { fsErrorText, makeDirectory } from "./make-dir.js";
import { writeNpy } from "./npy-files.js";
import { buildSudokuDataset } from "../sudoku-task.js";
import { generateSudoku } from "../sudoku-generator.js";

const root = mkdtempSync(join(tmpdir(), "make-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tmpfs mounted with `options` (root only; null when mounting is not possible here). */
function tryMount(options: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(join(root, "mnt-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  return r.status === 0 ? dir : null;
}
const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted) spawnSync("umount", [m]);
});

describe("makeDirectory", () => {
  it("creates missing parents and accepts an existing folder", () => {
    const dir = join(root, "a", "b", "c");
    makeDirectory(dir);
    makeDirectory(dir);
    expect(existsSync(dir)).toBe(true);
  });

  it("names the file that stands where a folder should be", () => {
    writeFileSync(join(root, "plain"), "x");
    expect(() => makeDirectory(join(root, "plain", "sub", "run"), "run folder")).toThrow(/Cannot create run folder .*plain\/sub\/run: .*plain is a file, not a folder/);
  });

  it("names EROFS and the folder on a read-only file system, not ENOENT", (ctx) => {
    const ro = tryMount("ro,size=64k");
    if (ro === null) {
      ctx.skip();
      return;
    }
    mounted.push(ro);
    expect(() => makeDirectory(join(ro, "run", "checkpoints"), "checkpoints folder")).toThrow(
      new RegExp(`Cannot create checkpoints folder ${ro}/run/checkpoints \\(creating ${ro}/run\\): read-only file system \\(EROFS\\)`),
    );
  });

  it("writing a dataset to a full disk names the file and ENOSPC and leaves no temporary file", (ctx) => {
    const full = tryMount("size=16k");
    if (full === null) {
      ctx.skip();
      return;
    }
    mounted.push(full);
    const built = buildSudokuDataset({ train: generateSudoku({ size: 4, count: 2000, seed: 1 }), test: generateSudoku({ size: 4, count: 4, seed: 2 }) });
    expect(() => writeBuiltDataset(join(full, "d"), built)).toThrow(/Cannot write .*\/d\/train\/all__\w+\.npy: no space left on the device \(ENOSPC\)/);
    expect(readdirSync(join(full, "d", "train")).filter((n) => n.includes(".tmp"))).toEqual([]);
    expect(existsSync(join(full, "d", "train", "dataset.json"))).toBe(false);
  });

  it("writeNpy names the file when its folder is missing", () => {
    expect(() => writeNpy(join(root, "missing", "x.npy"), new Int32Array(2), [2])).toThrow(/Cannot write .*missing\/x\.npy: ENOENT/);
  });
});

describe("fsErrorText", () => {
  it("puts the common codes in words with the code", () => {
    for (const [code, words] of [
      ["EROFS", "read-only file system (EROFS)"],
      ["EACCES", "permission denied (EACCES)"],
      ["ENOSPC", "no space left on the device (ENOSPC)"],
    ]) {
      expect(fsErrorText(Object.assign(new Error("raw"), { code }))).toBe(words);
    }
    expect(fsErrorText(new Error("something else"))).toBe("something else");
  });
});
