// The package run page (served from the play origin): starts the right player for the package.
import { startH5P } from "./h5p";
import { startScorm } from "./scorm";
import type { PlayerConfig } from "./config";

function readConfig(): PlayerConfig | null {
  const node = document.getElementById("player-config");
  return node?.textContent ? (JSON.parse(node.textContent) as PlayerConfig) : null;
}

document.addEventListener("DOMContentLoaded", () => {
  const config = readConfig();
  if (!config) return;
  if (config.kind === "scorm12" || config.kind === "scorm2004") {
    startScorm(config);
  } else if (config.kind === "h5p") {
    startH5P(config);
  }
  // cmi5: the run page frames the AU launch URL itself (server-built, see content/lrs.py).
});
