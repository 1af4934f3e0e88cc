import { DataError } from "./errors.js";
import { joinPath } from "./path.js";

/**
 * Read access to files, so loaders and tasks run on any storage: `nodeFiles` (from `@trm/data/node`) reads the
 * disk, `memoryFiles` a map of names to contents (a browser's uploads or fetched files).
 */
export interface FileSource {
  /** The bytes of `file`; throws if it cannot be read. */
  readBytes(file: string): Uint8Array;
  /** `"file"`, `"dir"`, or undefined when nothing is at `path`. */
  kind(path: string): "file" | "dir" | undefined;
  /** The entry names of folder `dir`, in any order. */
  list(dir: string): string[];
}

const utf8 = new TextDecoder("utf-8");

/** The text of `file` (UTF-8). */
export function readText(files: FileSource, file: string): string {
  return utf8.decode(files.readBytes(file));
}

/** Parses `file` as JSON; DataError naming the file when it is missing or not JSON. */
export function readJson(files: FileSource, file: string): unknown {
  if (files.kind(file) !== "file") throw new DataError({ file, field: "file", expected: "an existing file", got: "no such file" });
  const text = readText(files, file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError({ file, field: "json", expected: "valid JSON", got: (e as Error).message });
  }
}

/**
 * Files in memory, by path ('/' separated): folders are the prefixes of the names. Strings are stored as UTF-8.
 * Example: `memoryFiles({ "sudoku/train.csv": csvText })`.
 */
export function memoryFiles(entries: Readonly<Record<string, string | Uint8Array>>): FileSource {
  const enc = new TextEncoder();
  const map = new Map(Object.entries(entries).map(([k, v]) => [k.replace(/\/+$/, ""), typeof v === "string" ? enc.encode(v) : v]));
  const prefix = (dir: string): string => (dir === "" || dir === "." ? "" : `${dir.replace(/\/+$/, "")}/`);
  return {
    readBytes(file) {
      const b = map.get(file);
      if (b === undefined) throw new DataError({ file, field: "file", expected: "an existing file", got: "no such file" });
      return b;
    },
    kind(path) {
      if (map.has(path)) return "file";
      const p = prefix(path);
      for (const k of map.keys()) if (k.startsWith(p)) return "dir";
      return undefined;
    },
    list(dir) {
      const p = prefix(dir);
      const names = new Set<string>();
      for (const k of map.keys()) if (k.startsWith(p)) names.add(k.slice(p.length).split("/")[0] ?? "");
      names.delete("");
      return [...names];
    },
  };
}

/**
 * The files behind `paths`: a file as given, a folder as its files ending in one of `exts` (sorted by name). A path
 * that does not exist, or a folder without such files, is a DataError.
 */
export function filesOf(files: FileSource, paths: readonly string[], exts: readonly string[]): string[] {
  return paths.flatMap((p) => {
    const kind = files.kind(p);
    if (kind === undefined) throw new DataError({ file: p, field: "path", expected: "an existing file or folder", got: "no such path" });
    if (kind === "file") return [p];
    const found = files
      .list(p)
      .filter((f) => exts.some((e) => f.endsWith(e)))
      .sort()
      .map((f) => joinPath(p, f));
    if (found.length === 0) throw new DataError({ file: p, field: "path", expected: `a folder holding ${exts.join(" or ")} files`, got: "none" });
    return found;
  });
}
