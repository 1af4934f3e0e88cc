import { defineConfig } from "vite";

// The page imports only the browser-safe main entries of @trm/core, @trm/data and @trm/hrm-baseline: no Node built-in.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", target: "es2022", chunkSizeWarningLimit: 8000, assetsInlineLimit: 0 },
});
