import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { listTasks, unregisterTask } from "@trm/data";
import { afterAll, describe, expect, it } from "vitest";
import { importPlugins, PluginImportError, takeImportFlags } from "./plugins.js";

describe("takeImportFlags", () => {
  it("takes every --import out, in order, in both spellings", () => {
    expect(takeImportFlags(["fit", "--import", "./a.mjs", "--task", "t", "--import=b", "--out", "x"])).toEqual({
      imports: ["./a.mjs", "b"],
      rest: ["fit", "--task", "t", "--out", "x"],
    });
    expect(takeImportFlags(["eval"])).toEqual({ imports: [], rest: ["eval"] });
    expect(() => takeImportFlags(["--import", "--task", "t"])).toThrow(PluginImportError);
    expect(() => takeImportFlags(["--import"])).toThrow("--import: needs a module");
  });
});

describe("importPlugins", () => {
  const dir = mkdtempSync(join(tmpdir(), "trm-plugins-"));
  const registered: string[] = [];
  afterAll(() => {
    for (const t of registered) unregisterTask(t);
  });
  // A task module that registers a copy of the built-in sudoku task under `name`, importing @trm/data by name.
  const taskModule = (name: string) =>
    `import { getTask, registerTask } from "@trm/data";\nregisterTask({ ...getTask("sudoku"), name: ${JSON.stringify(name)} });\n`;

  // Node loads an installed package itself (outside the test's module graph), with its own copy of @trm/data: the
  // built one. The task it registers there must land in the registry this copy reads.
  const dataPackage = fileURLToPath(new URL("../../data", import.meta.url));
  const built = existsSync(join(dataPackage, "dist", "index.js"));
  if (!built) console.warn("plugins.test: packages/data/dist is not built (pnpm build): the installed-package test skips");

  it.skipIf(!built)("loads an installed package by its bare name from the folder's node_modules, through its import entry; its own @trm/data copy shares the registry", async () => {
    mkdirSync(join(dir, "node_modules", "@trm"), { recursive: true });
    symlinkSync(dataPackage, join(dir, "node_modules", "@trm", "data"));
    const pkg = join(dir, "node_modules", "@me", "tasks");
    mkdirSync(join(pkg, "esm"), { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "@me/tasks", type: "module", exports: { ".": { require: "./no.cjs", import: "./esm/index.js" } } }));
    writeFileSync(join(pkg, "esm", "index.js"), taskModule("pkg-probe"));
    const project = join(dir, "project", "deep");
    mkdirSync(project, { recursive: true });
    const [loaded] = await importPlugins(["@me/tasks"], project);
    registered.push("pkg-probe");
    expect(loaded).toEqual({ spec: "@me/tasks", path: join(pkg, "esm", "index.js"), tasks: ["pkg-probe"] });
    expect(listTasks()).toContain("pkg-probe");
    // The same module again (ESM caches it) is not an error.
    expect((await importPlugins(["@me/tasks"], project))[0]?.tasks).toEqual(["pkg-probe"]);
  });

  it("resolves a relative path against the folder given, and names the flag, module and file when something is wrong", async () => {
    writeFileSync(join(dir, "rel.mjs"), taskModule("rel-probe"));
    expect((await importPlugins(["./rel.mjs"], dir))[0]?.path).toBe(join(dir, "rel.mjs"));
    registered.push("rel-probe");
    await expect(importPlugins([""], dir)).rejects.toThrow("--import: expected a module");
    await expect(importPlugins(["../nope.mjs"], dir)).rejects.toThrow(`--import ../nope.mjs: no such file ${join(dir, "..", "nope.mjs")}`);
    const pkg = join(dir, "node_modules", "no-entry");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "no-entry", exports: { "./other": "./other.js" } }));
    await expect(importPlugins(["no-entry"], dir)).rejects.toThrow(`--import no-entry: ${join(pkg, "package.json")} exports no "." for import`);
  });
});
