import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

const CAUSES: Record<string, string> = {
  EROFS: "read-only file system (EROFS)",
  EACCES: "permission denied (EACCES)",
  EPERM: "operation not permitted (EPERM)",
  ENOSPC: "no space left on the device (ENOSPC)",
  EDQUOT: "disk quota exceeded (EDQUOT)",
  ENOTDIR: "a file is in the way, not a folder (ENOTDIR)",
  EEXIST: "a file of that name exists, not a folder (EEXIST)",
  ENAMETOOLONG: "the name is too long (ENAMETOOLONG)",
  EMFILE: "too many open files (EMFILE)",
  EIO: "input/output error (EIO)",
};

/** A file system error in words with its code (`read-only file system (EROFS)`); other errors by their message. */
export function fsErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && code in CAUSES) return CAUSES[code] as string;
  return e instanceof Error ? e.message : String(e);
}

/** The path's stat, or undefined when it or a parent is missing (or a parent is a file). */
function statOrMissing(path: string): ReturnType<typeof statSync> {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * Creates `dir` and its missing parents. On failure the error names the folder and the real cause: Node's recursive
 * mkdir reports ENOENT when a parent cannot be created (on a read-only or unwritable file system), so the missing
 * folders are created one at a time here, and the first one that fails is named with its own error (EROFS, EACCES,
 * ENOSPC, ENOTDIR ...).
 */
export function makeDirectory(dir: string, what = "folder"): void {
  try {
    mkdirSync(dir, { recursive: true });
    return;
  } catch (first) {
    const missing: string[] = [];
    let at = resolve(dir);
    for (;;) {
      const st = statOrMissing(at);
      if (st !== undefined) {
        if (!st.isDirectory()) throw new Error(`Cannot create ${what} ${dir}: ${at} is a file, not a folder`, { cause: first });
        break;
      }
      missing.unshift(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
    }
    for (const d of missing) {
      try {
        mkdirSync(d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST" && statOrMissing(d)?.isDirectory()) continue;
        const where = d === resolve(dir) ? "" : ` (creating ${d})`;
        throw new Error(`Cannot create ${what} ${dir}${where}: ${fsErrorText(e)}`, { cause: e });
      }
    }
    if (statOrMissing(dir)?.isDirectory()) return;
    throw new Error(`Cannot create ${what} ${dir}: ${fsErrorText(first)}`, { cause: first });
  }
}
