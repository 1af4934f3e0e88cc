import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pausePoint } from "./pause-point.js";

/**
 * Writes `data` to `path` atomically: into a temporary file in the same directory, flushed, then renamed over `path`.
 * On any failure the previous file at `path` is untouched, the temporary file is removed, and the error names `path`
 * (as "Cannot write <what> <path>: <reason>").
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, what = "file"): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(tmp, "wx");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await pausePoint(`write ${basename(path)}`);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`Cannot write ${what} ${path}: ${reason}`, { cause: e });
  }
}
