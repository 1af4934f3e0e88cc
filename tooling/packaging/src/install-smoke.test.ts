import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Packs every public package with `pnpm pack` (workspace: and catalog: ranges become versions), checks each tarball
// with publint and @arethetypeswrong/cli, installs the tarballs with npm into a scratch project outside the workspace
// and runs smoke/smoke.mjs there; then runs the README's "Install a single package" commands in a second scratch
// project. .ci/run sets TRM_INSTALL_SMOKE=1; the npm steps skip with one line when the registry cannot be reached.
const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, "..");
const repo = resolve(pkgDir, "../..");
const enabled = process.env["TRM_INSTALL_SMOKE"] === "1";
const exec = promisify(execFile);
const binOf = (name: string) => join(pkgDir, "node_modules", ".bin", name);

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function publicPackages(): { dir: string; manifest: Manifest }[] {
  return ["packages", "apps"]
    .flatMap((group) => readdirSync(join(repo, group)).map((d) => join(repo, group, d)))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest }))
    .filter((p) => p.manifest.private !== true);
}

/** The README's "Install a single package" section: its `npm install` line and its one JS block. */
function readmeSection(): { install: string[]; script: string } {
  const text = readFileSync(join(repo, "README.md"), "utf8");
  const section = /^## Install a single package\n([\s\S]*?)(?=^## )/m.exec(text)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Install a single package" section');
  const install = /^npm install (.+)$/m.exec(section)?.[1]?.trim().split(/\s+/);
  const script = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!install || script === undefined) throw new Error('README.md "Install a single package": expected an `npm install ...` line and a ```js block');
  return { install, script };
}

async function registryReachable(): Promise<string | null> {
  try {
    await exec("npm", ["ping"], { timeout: 30_000 });
    return null;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "npm ping failed";
  }
}

async function npm(cwd: string, args: string[]): Promise<void> {
  await exec("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, timeout: 300_000, maxBuffer: 64 << 20 });
}

describe.skipIf(!enabled)("published packages, packed and installed outside the workspace (TRM_INSTALL_SMOKE=1)", () => {
  const packages = publicPackages();
  const tarballs = new Map<string, string>();
  let scratch = "";
  let offline: string | null = null;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "trm-install-"));
    const dest = join(scratch, "tarballs");
    mkdirSync(dest);
    const [packed, reachable] = await Promise.all([
      Promise.all(
        packages.map(async ({ dir, manifest }) => {
          const { stdout } = await exec("pnpm", ["pack", "--pack-destination", dest], { cwd: dir });
          const file = stdout.trim().split("\n").pop() ?? "";
          if (!file.endsWith(".tgz") || !existsSync(file)) throw new Error(`pnpm pack in ${dir}: no tarball in its output:\n${stdout}`);
          return [manifest.name, file] as const;
        }),
      ),
      registryReachable(),
    ]);
    for (const [name, file] of packed) tarballs.set(name, file);
    offline = reachable;
    if (offline !== null) console.log(`install smoke: npm registry unreachable (${offline}): the npm install checks skip`);
  }, 300_000);
  afterAll(() => {
    if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
  });

  it("packs every public package under a distinct tarball name", () => {
    expect([...tarballs.keys()].sort()).toEqual(packages.map((p) => p.manifest.name).sort());
    const names = [...tarballs.values()].map((f) => f.split("/").pop());
    expect(new Set(names).size).toBe(names.length);
  });

  it("every tarball passes publint (strict) and @arethetypeswrong/cli (ESM only)", async () => {
    const problems: string[] = [];
    const check = (tool: string, name: string, args: string[]) =>
      exec(binOf(tool), args, { timeout: 300_000 }).catch((e: { stdout?: string; stderr?: string }) => {
        problems.push(`${tool} ${name}:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
      });
    await Promise.all(
      [...tarballs].map(async ([name, file]) => {
        await check("publint", name, [file, "--strict"]);
        const manifest = packages.find((p) => p.manifest.name === name)?.manifest as { exports?: unknown } | undefined;
        // A command-line package has nothing to import.
        if (manifest?.exports !== undefined) await check("attw", name, [file, "--profile", "esm-only", "--format", "ascii"]);
      }),
    );
    expect(problems).toEqual([]);
  }, 600_000);

  it("installs every tarball with npm, imports each entry, trains a step by CLI and library, solves, bundles for the browser", async (ctx) => {
    if (offline !== null) ctx.skip();
    const project = join(scratch, "all");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "trm-install-smoke", private: true, type: "module" }));
    await npm(project, ["install", ...tarballs.values(), `esbuild@${catalogRange("esbuild")}`]);
    copyFileSync(join(pkgDir, "smoke", "smoke.mjs"), join(project, "smoke.mjs"));
    const { stdout } = await exec(process.execPath, ["smoke.mjs"], { cwd: project, timeout: 300_000, maxBuffer: 64 << 20 });
    expect(stdout).toContain("smoke: all checks passed");
    for (const name of tarballs.keys()) expect(stdout).toContain(name);
  }, 900_000);

  it("runs the README's \"Install a single package\" commands", async (ctx) => {
    if (offline !== null) ctx.skip();
    const { install, script } = readmeSection();
    const project = join(scratch, "single");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "trm-single-install", private: true, type: "module" }));
    // Our packages come from their tarballs (with the @trm packages they depend on); everything else from npm.
    const wanted = new Set<string>();
    const add = (name: string): void => {
      if (wanted.has(name) || !tarballs.has(name)) return;
      wanted.add(name);
      const manifest = packages.find((p) => p.manifest.name === name)?.manifest;
      for (const dep of Object.keys({ ...manifest?.dependencies, ...manifest?.optionalDependencies })) add(dep);
    };
    const args = install.flatMap((a) => (tarballs.has(a) ? (add(a), []) : [a]));
    await npm(project, ["install", ...[...wanted].map((n) => tarballs.get(n) ?? n), ...args]);
    writeFileSync(join(project, "use.mjs"), script);
    const { stdout, stderr } = await exec(process.execPath, ["use.mjs"], { cwd: project, timeout: 120_000 });
    expect(`${stdout}${stderr}`).toMatch(/backend: /);
    expect(stderr).not.toMatch(/already registered/);
  }, 600_000);
});

function catalogRange(name: string): string {
  const yaml = readFileSync(join(repo, "pnpm-workspace.yaml"), "utf8");
  const range = new RegExp(`^\\s+"?${name.replace(/[/\\-]/g, "\\$&")}"?:\\s*(\\S+)\\s*$`, "m").exec(yaml)?.[1];
  if (range === undefined) throw new Error(`pnpm-workspace.yaml: no catalog entry for ${name}`);
  return range;
}
