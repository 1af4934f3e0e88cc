import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { listTasks } from "@trm/data";

/** A module given to `--import` could not be found, could not be loaded, or registered no task. */
export class PluginImportError extends Error {
  override name = "PluginImportError";
}

/** What one imported module added. */
export interface ImportedPlugin {
  /** As given on the command line. */
  readonly spec: string;
  /** The file loaded. */
  readonly path: string;
  /** Tasks the module registered. */
  readonly tasks: readonly string[];
}

// Modules already loaded in this process and what they registered: a second import of the same file (ESM caches it)
// registers nothing new and is not an error.
const LOADED_KEY = Symbol.for("@trm/train:imported-plugins");
const loaded: Map<string, readonly string[]> = ((globalThis as { [LOADED_KEY]?: Map<string, readonly string[]> })[LOADED_KEY] ??= new Map<string, readonly string[]>());

const isPath = (spec: string): boolean => spec.startsWith(".") || isAbsolute(spec) || /^[A-Za-z]:[\\/]/.test(spec);

/** The entry of an `exports` value for `import`: a string, or the first of import / node / default in a conditions object. */
function exportTarget(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = exportTarget(v);
      if (t !== null) return t;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    const conditions = value as Record<string, unknown>;
    for (const c of ["import", "node", "default"]) if (c in conditions) return exportTarget(conditions[c]);
  }
  return null;
}

/** A bare package name (`my-tasks`, `@me/tasks`, `@me/tasks/sub`) resolved from `cwd`'s node_modules, as `import` would. */
function resolvePackage(spec: string, cwd: string): string {
  const parts = spec.split("/");
  const nameLength = spec.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const sub = parts.slice(nameLength).join("/");
  for (let dir = cwd; ; dir = dirname(dir)) {
    const pkgDir = join(dir, "node_modules", name);
    const manifest = join(pkgDir, "package.json");
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { exports?: unknown; module?: string; main?: string };
      const key = sub === "" ? "." : `./${sub}`;
      if (pkg.exports !== undefined) {
        const exp = pkg.exports;
        const entry =
          typeof exp === "object" && exp !== null && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith("."))
            ? exportTarget((exp as Record<string, unknown>)[key])
            : key === "."
              ? exportTarget(exp)
              : null;
        if (entry === null) throw new PluginImportError(`--import ${spec}: ${manifest} exports no "${key}" for import`);
        return join(pkgDir, entry);
      }
      return join(pkgDir, sub !== "" ? sub : (pkg.module ?? pkg.main ?? "index.js"));
    }
    if (dirname(dir) === dir) break;
  }
  // Not in a node_modules folder on the way up: let Node's own resolution try (a self-reference, a global path).
  try {
    return createRequire(join(cwd, "noop.js")).resolve(spec);
  } catch {
    throw new PluginImportError(`--import ${spec}: no package "${name}" in node_modules from ${cwd} upwards (install it, or give a file path such as ./${spec}.js)`);
  }
}

/**
 * Loads each module of `specs` (the values of repeated `--import` flags), in order, before any task is looked up: a
 * file path is resolved against `cwd`, a bare name as a package installed where the command runs. Each module is
 * expected to register at least one task (`registerTask` of `@trm/data`) when imported. Errors name the flag, the
 * module as given and the file.
 */
export async function importPlugins(specs: readonly string[], cwd: string = process.cwd()): Promise<ImportedPlugin[]> {
  const done: ImportedPlugin[] = [];
  for (const spec of specs) {
    if (spec.trim() === "") throw new PluginImportError("--import: expected a module (a file such as ./my-task.mjs, or a package name), got an empty value");
    const path = isPath(spec) ? resolve(cwd, spec) : resolvePackage(spec, cwd);
    if (isPath(spec) && !existsSync(path)) throw new PluginImportError(`--import ${spec}: no such file ${path}`);
    const url = pathToFileURL(path).href;
    const before = loaded.get(url);
    if (before !== undefined) {
      done.push({ spec, path, tasks: before });
      continue;
    }
    const known = new Set(listTasks());
    try {
      await import(url);
    } catch (e) {
      throw new PluginImportError(`--import ${spec}: loading ${path} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const tasks = listTasks().filter((t) => !known.has(t));
    if (tasks.length === 0) {
      throw new PluginImportError(
        `--import ${spec}: ${path} loaded but registered no task (a task module calls registerTask from @trm/data when it is imported)`,
      );
    }
    loaded.set(url, tasks);
    done.push({ spec, path, tasks });
  }
  return done;
}

/**
 * Takes every `--import <module>` / `--import=<module>` out of `argv`: the modules in order and the arguments left.
 * A `--import` without a module is an error naming the flag.
 */
export function takeImportFlags(argv: readonly string[]): { imports: string[]; rest: string[] } {
  const imports: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a.startsWith("--import=")) imports.push(a.slice("--import=".length));
    else if (a === "--import") {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new PluginImportError("--import: needs a module (a file such as ./my-task.mjs, or a package name)");
      imports.push(v);
      i++;
    } else rest.push(a);
  }
  return { imports, rest };
}
