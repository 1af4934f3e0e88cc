// Path helpers on plain strings ('/' or '\' separated), so the parsers run without node:path (browsers included).

const lastSep = (p: string): number => Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
const trimTrailing = (p: string): string => (p.length > 1 ? p.replace(/[/\\]+$/, "") : p);

/** The last segment of `path`, without `ext` if it ends with it (as node's `basename`). */
export function baseName(path: string, ext?: string): string {
  const p = trimTrailing(path);
  const base = p.slice(lastSep(p) + 1);
  return ext !== undefined && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
}

/** `path` without its last segment ("." when there is none). */
export function dirName(path: string): string {
  const p = trimTrailing(path);
  const i = lastSep(p);
  if (i < 0) return ".";
  return i === 0 ? p.slice(0, 1) : p.slice(0, i);
}

/** `dir` and `name` joined with one separator. */
export function joinPath(dir: string, name: string): string {
  if (dir === "" || dir === ".") return name;
  return /[/\\]$/.test(dir) ? `${dir}${name}` : `${dir}/${name}`;
}
