import { readdirSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import workspace packages from their sources, so `pnpm test` needs no build.
const root = fileURLToPath(new URL(".", import.meta.url));
const alias = Object.fromEntries(
  readdirSync(`${root}packages`)
    .filter((d) => existsSync(`${root}packages/${d}/src/index.ts`))
    .map((d) => [`@trm/${d}`, `${root}packages/${d}/src/index.ts`]),
);

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
      project("trm-train", "apps/train"),
      project("trm-compare", "apps/compare"),
      project("trm-loop-parity", "apps/loop-parity"),
      project("@trm/bench", "tooling/bench"),
      project("trm-playground", "apps/playground"),
    ],
  },
});
