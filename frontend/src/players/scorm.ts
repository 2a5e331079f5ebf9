// SCORM 1.2 / 2004 through scorm-again: the API object lives in this (play-origin) page, the
// course runs in the child frame and finds it as window.parent.API / API_1484_11.
import { Scorm12API, Scorm2004API } from "scorm-again";
import type { PlayerConfig } from "./config";

declare global {
  interface Window {
    API?: Scorm12API;
    API_1484_11?: Scorm2004API;
  }
}

export function startScorm(config: PlayerConfig): void {
  const settings = {
    lmsCommitUrl: config.commitUrl,
    dataCommitFormat: "json" as const,
    autocommit: true,
    autocommitSeconds: 10,
    logLevel: 4,
  };
  const api = config.kind === "scorm12" ? new Scorm12API(settings) : new Scorm2004API(settings);
  if (Object.keys(config.cmi).length) api.loadFromJSON(config.cmi, "");
  // Commits are synchronous, so once the course has finished its data is stored: say so, for
  // people and tests watching the page.
  const finished = (): void => {
    document.body.dataset.finished = "true";
  };
  api.on("LMSFinish", finished);
  api.on("Terminate", finished);
  if (api instanceof Scorm12API) window.API = api;
  else window.API_1484_11 = api;
  const frame = document.getElementById("sco") as HTMLIFrameElement | null;
  if (frame) frame.src = config.launch;
}
