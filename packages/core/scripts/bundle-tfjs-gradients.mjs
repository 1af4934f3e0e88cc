// Writes dist/tfjs-gradients.node.js: the gradient registrations of @tensorflow/tfjs-core for Node.
//
// tfjs-core's main entry registers no gradients; they live in dist/register_all_gradients.js, an ES module whose
// imports have no file extensions, which bundlers resolve but Node cannot load. In browsers and bundlers
// "#tfjs-gradients" maps to that file directly (dist/tfjs-gradients.js); in Node it maps to this bundle of it, which
// imports @tensorflow/tfjs-core itself (the user's copy, so there is one engine and one kernel registry) and carries
// the op code the gradient functions call, as @tensorflow/tfjs's own Node bundle does.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(pkg, "dist");
mkdirSync(dist, { recursive: true });

await build({
  stdin: {
    contents: 'import "@tensorflow/tfjs-core";\nimport "@tensorflow/tfjs-core/dist/register_all_gradients.js";\n',
    resolveDir: pkg,
  },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outfile: join(dist, "tfjs-gradients.node.js"),
  legalComments: "none",
  logLevel: "warning",
  banner: { js: "// Generated at build time from @tensorflow/tfjs-core (Apache-2.0, Google LLC): its gradient registrations." },
  plugins: [
    {
      name: "tfjs-core-main-external",
      setup(b) {
        b.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, (args) => ({ path: args.path, external: true }));
      },
    },
  ],
});
writeFileSync(join(dist, "tfjs-gradients.js"), 'import "@tensorflow/tfjs-core/dist/register_all_gradients.js";\n');

// tsc keeps the side-effect import in dist/backend.d.ts; it carries no types, and resolvers that know no package
// "imports" (TypeScript's node10) would report it as unresolved, so the declaration file goes without it.
const dts = join(dist, "backend.d.ts");
if (existsSync(dts)) writeFileSync(dts, readFileSync(dts, "utf8").replace(/^import "#tfjs-gradients";\n/m, ""));
