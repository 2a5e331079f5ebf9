// Bundles the platform's scripts and styles into dist/, which Django serves as static files.
import { build } from "esbuild";

await build({
  entryPoints: { app: "src/main.ts" },
  bundle: true,
  minify: true,
  sourcemap: true,
  target: ["es2019"],
  outdir: "dist",
  format: "iife",
  logLevel: "info",
});
await build({
  entryPoints: { app: "src/app.css" },
  bundle: true,
  minify: true,
  outdir: "dist",
  logLevel: "info",
});
