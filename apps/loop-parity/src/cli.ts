#!/usr/bin/env node
import { main } from "./main.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`loop-parity: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
