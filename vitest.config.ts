import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import workspace packages from their sources, so `pnpm test` needs no build: `@trm/x` -> src/index.ts and
// each subpath `@trm/x/y` of the package's exports map -> src/y.ts.
const root = fileURLToPath(new URL(".", import.meta.url));
const alias = readdirSync(`${root}packages`)
  .filter((d) => existsSync(`${root}packages/${d}/src/index.ts`))
  .flatMap((d) => {
    const exportsMap = (JSON.parse(readFileSync(`${root}packages/${d}/package.json`, "utf8")) as { exports?: Record<string, unknown> }).exports ?? {};
    const subpaths = Object.keys(exportsMap).filter((k) => k.startsWith("./") && !k.endsWith(".json") && existsSync(`${root}packages/${d}/src/${k.slice(2)}.ts`));
    return [
      ...subpaths.map((k) => ({ find: new RegExp(`^@trm/${d}/${k.slice(2)}$`), replacement: `${root}packages/${d}/src/${k.slice(2)}.ts` })),
      { find: new RegExp(`^@trm/${d}$`), replacement: `${root}packages/${d}/src/index.ts` },
    ];
  });

// @trm/core registers tfjs-core's gradients through "#tfjs-gradients", which in Node is a file its build writes; write
// it here when missing so tests run without a build.
if (!existsSync(`${root}packages/core/dist/tfjs-gradients.node.js`)) {
  execFileSync(process.execPath, [`${root}packages/core/scripts/bundle-tfjs-gradients.mjs`], { stdio: "inherit" });
}

const project = (name: string, dir: string) => ({
  extends: true as const,
  test: { name, include: [`${dir}/src/**/*.test.ts`] },
});

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      project("@trm/data", "packages/data"),
      project("@trm/core", "packages/core"),
      project("@trm/hrm-baseline", "packages/hrm-baseline"),
      project("@trm/train", "packages/train"),
      project("@trm/eval", "packages/eval"),
      project("@trm/train-cli", "apps/train"),
      project("@trm/compare-cli", "apps/compare"),
      project("trm-loop-parity", "apps/loop-parity"),
      project("@trm/bench", "apps/bench"),
      project("trm-playground", "apps/playground"),
      project("@trm/packaging", "tooling/packaging"),
    ],
  },
});
