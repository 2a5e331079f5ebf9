// Bundles the platform's scripts and styles into dist/, which Django serves as static files.
import { cpSync } from "node:fs";
import { build } from "esbuild";

await build({
  entryPoints: {
    app: "src/main.ts",
    player: "src/player/main.ts",
    players: "src/players/index.ts",
    // KaTeX (and its fonts) only for pages that show formulas
    math: "src/math-page.ts",
  },
  loader: { ".woff2": "file", ".woff": "file", ".ttf": "file" },
  assetNames: "fonts/[name]-[hash]",
  bundle: true,
  minify: true,
  sourcemap: true,
  target: ["es2019"],
  outdir: "dist",
  format: "iife",
  logLevel: "info",
});
await build({
  entryPoints: { app: "src/app.css", players: "src/players/players.css" },
  bundle: true,
  minify: true,
  outdir: "dist",
  logLevel: "info",
});
// h5p-standalone loads its frame script and styles by URL at run time.
cpSync("node_modules/h5p-standalone/dist", "dist/players/h5p", {
  recursive: true,
  filter: (src) => !src.endsWith("main.bundle.js"),
});
