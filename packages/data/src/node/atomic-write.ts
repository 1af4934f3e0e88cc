import { closeSync, openSync, renameSync, rmSync } from "node:fs";
import { fsErrorText } from "./make-dir.js";

/**
 * Writes `file` through a temporary file (`<file>.tmp-<pid>`) and a rename, so a reader never sees half a file: `write`
 * fills the open temporary file. On failure the temporary file is removed and the error names `file`.
 */
export function writeFileAtomicSync(file: string, write: (fd: number) => void): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, "w");
    try {
      write(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`Cannot write ${file}: ${fsErrorText(e)}`, { cause: e });
  }
}
