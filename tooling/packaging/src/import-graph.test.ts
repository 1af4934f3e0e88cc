import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The house's import rules (docs/architecture.md), checked on the import statements of every source file (tests and
 * test utilities left out): no import cycle between files, and every import of another workspace package points
 * down the layers and through that package's `exports`.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** What each workspace folder may import of the others (apps and the benchmark may import every package). */
const PACKAGES = ["data", "core", "hrm-baseline", "train", "eval", "native-kernels"] as const;
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  "packages/data": [],
  "packages/native-kernels": [],
  "packages/core": ["data", "native-kernels"],
  "packages/hrm-baseline": ["core", "data"],
  "packages/train": ["core", "data"],
  "packages/eval": ["core", "data"],
};
const CONSUMERS = ["apps"];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "test-utils" && name !== "node_modules") out.push(...sourceFiles(path));
    } else if (/\.tsx?$/.test(name) && !/\.(test|d)\.ts$/.test(name)) {
      out.push(path);
    }
  }
  return out;
}

/** The module specifiers a file imports or re-exports (static and dynamic), comments removed. */
function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const specs: string[] = [];
  const re = /(?:^|[\n;])\s*(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|(?:^|[\n;])\s*import\s*["']([^"']+)["']/g;
  for (const m of code.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec !== undefined) specs.push(spec);
  }
  return specs;
}

function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"), base, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** The strongly connected components of more than one file (or a file importing itself): the import cycles. */
function cyclesOf(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

interface Workspace {
  /** Folder relative to the root, e.g. "packages/core". */
  readonly folder: string;
  readonly files: string[];
}

function workspaces(): Workspace[] {
  const out: Workspace[] = [];
  for (const top of ["packages", "apps", "tooling"]) {
    for (const name of readdirSync(join(ROOT, top))) {
      const src = join(ROOT, top, name, "src");
      if (existsSync(src)) out.push({ folder: `${top}/${name}`, files: sourceFiles(src) });
    }
  }
  return out;
}

/** The subpaths a package exports ("." and "./node" -> "", "node"). */
function exportedSubpaths(pkg: string): string[] {
  const json = JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8")) as { exports?: Record<string, unknown> };
  return Object.keys(json.exports ?? { ".": null }).map((k) => (k === "." ? "" : k.replace(/^\.\//, "")));
}

describe("the import graph", () => {
  const spaces = workspaces();

  it("finds cycles and import specifiers (the checker itself)", () => {
    expect(importsOf(`import a from "./a.js";\nexport { b } from "./b.js";\n// import x from "./c.js";\nconst m = await import("@trm/core");\nimport "./d.css";`)).toEqual([
      "./a.js",
      "./b.js",
      "@trm/core",
      "./d.css",
    ]);
    const edges = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
      ["e", ["e"]],
    ]);
    expect(cyclesOf(edges)).toEqual([["a", "b", "c"], ["e"]]);
    expect(cyclesOf(new Map([["a", ["b"]], ["b", []]]))).toEqual([]);
  });

  it("reads every workspace package and app", () => {
    const folders = spaces.map((s) => s.folder);
    for (const p of PACKAGES) expect(folders).toContain(`packages/${p}`);
    expect(folders).toContain("apps/train");
    expect(spaces.reduce((n, s) => n + s.files.length, 0)).toBeGreaterThan(100);
  });

  it("has no import cycle between source files", () => {
    const edges = new Map<string, string[]>();
    for (const { files } of spaces) {
      for (const f of files) {
        const targets = importsOf(readFileSync(f, "utf8")).flatMap((s) => (s.startsWith(".") ? [resolveRelative(f, s)] : []));
        edges.set(f, targets.filter((t): t is string => t !== null && /\.tsx?$/.test(t)));
      }
    }
    expect(cyclesOf(edges).map((c) => c.map((f) => relative(ROOT, f)))).toEqual([]);
  });

  it("imports only point down the layers and only through another package's exports", () => {
    const problems: string[] = [];
    for (const { folder, files } of spaces) {
      const consumer = CONSUMERS.some((c) => folder === c || folder.startsWith(`${c}/`));
      const allowed = ALLOWED[folder];
      for (const f of files) {
        for (const spec of importsOf(readFileSync(f, "utf8"))) {
          const m = /^@trm\/([^/]+)(?:\/(.+))?$/.exec(spec);
          if (!m) continue;
          const [, pkg = "", subpath = ""] = m;
          const where = `${relative(ROOT, f)} imports ${spec}`;
          if (!(PACKAGES as readonly string[]).includes(pkg)) {
            problems.push(`${where}: not a library package (apps and tooling are never imported)`);
            continue;
          }
          if (!exportedSubpaths(pkg).includes(subpath)) problems.push(`${where}: not in @trm/${pkg}'s exports`);
          if (!consumer && !(allowed ?? []).includes(pkg) && `packages/${pkg}` !== folder) problems.push(`${where}: an arrow up or across the layers`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
