import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";

// Bundles each browser-safe main entry with esbuild for the browser, from the sources (workspace packages resolve to
// their src/, third-party ones through their package.json "browser" fields), and fails on any Node built-in.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const BROWSER_ENTRIES = ["@trm/data", "@trm/core", "@trm/hrm-baseline", "@trm/eval"] as const;
const builtins = new Set(builtinModules);

/** `@trm/x` -> packages/x/src/index.ts, `@trm/x/y` -> packages/x/src/y.ts. */
function workspaceSources(): Plugin {
  return {
    name: "workspace-sources",
    setup(b) {
      b.onResolve({ filter: /^@trm\// }, (args) => {
        const [, pkg, sub] = /^@trm\/([^/]+)(?:\/(.+))?$/.exec(args.path) ?? [];
        const file = join(repo, "packages", pkg ?? "", "src", `${sub ?? "index"}.ts`);
        return existsSync(file) ? { path: file } : { errors: [{ text: `no source for ${args.path} (${file})` }] };
      });
    },
  };
}

/**
 * Records every `node:` import, and every bare built-in (`fs`) imported by our own sources, with its importer.
 * Bare built-ins inside dependencies are left to esbuild, which applies their package.json "browser" maps (tfjs maps
 * `fs`, `util`, `crypto` to nothing in the browser) and fails the build on any it cannot resolve.
 */
function nodeBuiltins(found: string[]): Plugin {
  return {
    name: "node-builtins",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, "").split("/")[0] ?? "";
        const ours = !args.importer.includes("/node_modules/");
        if (args.path.startsWith("node:") || (ours && builtins.has(bare) && builtins.has(args.path))) {
          found.push(`${args.path} imported by ${args.importer.replace(`${repo}/`, "")}`);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
}

async function bundleForBrowser(entry: string): Promise<{ nodeImports: string[]; bytes: number; inputs: string[] }> {
  const found: string[] = [];
  const result = await build({
    stdin: { contents: `export * from "${entry}";`, resolveDir: repo, loader: "ts" },
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    metafile: true,
    logLevel: "silent",
    plugins: [workspaceSources(), nodeBuiltins(found)],
  });
  const bytes = result.outputFiles.reduce((n, f) => n + f.contents.length, 0);
  return { nodeImports: [...new Set(found)], bytes, inputs: Object.keys(result.metafile.inputs) };
}

describe("browser-safe main entries (esbuild --platform=browser)", () => {
  for (const entry of BROWSER_ENTRIES) {
    it(`${entry} bundles with no Node built-in`, async () => {
      const { nodeImports, bytes, inputs } = await bundleForBrowser(entry);
      expect(nodeImports).toEqual([]);
      expect(bytes).toBeGreaterThan(0);
      // Metrics users get no charting library: the report lives behind @trm/eval/report.
      expect(inputs.filter((p) => /node_modules\/(\.pnpm\/)?vega/.test(p))).toEqual([]);
    });
  }

  it("the check itself sees a Node built-in (the ./node subpaths use the disk)", async () => {
    const { nodeImports } = await bundleForBrowser("@trm/core/node");
    expect(nodeImports.some((s) => s.startsWith("node:fs"))).toBe(true);
    expect(JSON.parse(readFileSync(join(repo, "packages/core/package.json"), "utf8")).exports["./node"]).toBeDefined();
  });
});
