import { readFileSync, readdirSync, statSync } from "node:fs";
import { DataError } from "../errors.js";
import type { FileSource } from "../files.js";

/** The disk, as a {@link FileSource}. */
export const nodeFiles: FileSource = {
  readBytes(file) {
    try {
      return readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === "EISDIR" ? "a folder" : code === "ENOENT" ? "no such file" : code === undefined ? "a file too large to read as text" : (e as Error).message;
      throw new DataError({ file, field: "file", expected: "a readable text file", got: why });
    }
  },
  kind(path) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st === undefined) return undefined;
    return st.isDirectory() ? "dir" : "file";
  },
  list: (dir) => readdirSync(dir),
};
