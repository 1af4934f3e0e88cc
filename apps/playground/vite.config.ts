import { defineConfig, type Plugin } from "vite";

/**
 * Node built-ins (`node:fs`, ...) reachable from a package's main entry become modules whose functions throw when
 * called: the page never calls them, but the bundle must still link.
 */
function nodeBuiltinStubs(): Plugin {
  const prefix = "\0node-builtin-stub:";
  return {
    name: "node-builtin-stubs",
    enforce: "pre",
    resolveId(id) {
      return id.startsWith("node:") ? `${prefix}${id}` : null;
    },
    async load(id) {
      if (!id.startsWith(prefix)) return null;
      const name = id.slice(prefix.length);
      const real = (await import(name)) as Record<string, unknown>;
      const names = Object.keys(real).filter((k) => k !== "default" && /^[A-Za-z_$][\w$]*$/.test(k));
      const fail = `() => { throw new Error(${JSON.stringify(`${name} is not available in a browser`)}); }`;
      return [`const stub = ${fail};`, ...names.map((k) => `export const ${k} = stub;`), "export default {};"].join("\n");
    },
  };
}

export default defineConfig({
  base: "./",
  plugins: [nodeBuiltinStubs()],
  build: { outDir: "dist", target: "es2022", chunkSizeWarningLimit: 8000, assetsInlineLimit: 0 },
});
