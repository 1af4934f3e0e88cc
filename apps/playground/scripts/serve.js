#!/usr/bin/env node
// Serves the built playground (dist/) on localhost, and optionally a run folder under /run/ and a dataset under /data/,
// then prints the URL to open. `pnpm playground --run runs/x --data data/sudoku4`.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = fileURLToPath(new URL(".", import.meta.url));
export const DIST = resolve(here, "../dist");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * Starts a static server for `root` plus `mounts` (URL prefix like "/run/" -> folder). Resolves with its URL and a
 * close function. Paths outside the served folders are refused.
 */
export function startServer({ root = DIST, mounts = {}, port = 0, host = "127.0.0.1" } = {}) {
  const table = [...Object.entries(mounts).map(([prefix, dir]) => [prefix, resolve(dir)]), ["/", resolve(root)]];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    const [prefix, dir] = table.find(([p]) => path.startsWith(p)) ?? ["/", resolve(root)];
    let file = resolve(dir, `.${sep}${path.slice(prefix.length)}`);
    if (file !== dir && !file.startsWith(dir + sep)) {
      res.writeHead(403).end("outside the served folders");
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      resolvePromise({ url: `http://${host}:${actual}/`, close: () => new Promise((r) => server.close(() => r(undefined))) });
    });
  });
}

async function main() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== "--"),
    options: {
      run: { type: "string" },
      data: { type: "string" },
      port: { type: "string", default: "5180" },
      host: { type: "string", default: "127.0.0.1" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`pnpm playground [-- --run <run dir>] [--data <dataset dir>] [--port 5180] [--host 127.0.0.1]
  Builds and serves the playground; --run serves a run folder at /run/ (its config.json and
  checkpoints/final.safetensors), --data a dataset built by trm-train build-data at /data/.
`);
    return;
  }
  if (!existsSync(join(DIST, "index.html"))) throw new Error(`${DIST}/index.html is missing: build the playground first (pnpm playground builds it)`);
  const mounts = {};
  const query = new URLSearchParams();
  for (const [flag, prefix] of [["run", "/run/"], ["data", "/data/"]]) {
    const dir = values[flag];
    if (dir === undefined) continue;
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--${flag}: ${dir} is not a folder`);
    mounts[prefix] = dir;
  }
  if (mounts["/run/"]) {
    query.set("weights", "/run/checkpoints/final.safetensors");
    query.set("config", "/run/config.json");
  }
  if (mounts["/data/"]) query.set("data", "/data/");
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected 0-65535, got "${values.port}"`);
  const { url } = await startServer({ mounts, port, host: values.host });
  // Paths stay readable in the printed URL: "/" needs no escaping in a query.
  const q = query.toString().replaceAll("%2F", "/");
  process.stdout.write(`playground: ${url}${q ? `?${q}` : ""}\n(Ctrl-C to stop)\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`playground: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
