// H5P through h5p-standalone; every xAPI statement the content emits is sent to the platform.
import { H5P } from "h5p-standalone";
import type { PlayerConfig } from "./config";

interface XAPIEvent {
  data: { statement: Record<string, unknown> };
}

interface H5PGlobal {
  externalDispatcher: { on(name: string, handler: (event: XAPIEvent) => void): void };
}

function send(url: string, statement: Record<string, unknown>): void {
  const verb = (statement.verb as { id?: string } | undefined)?.id ?? "";
  void fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(statement),
    credentials: "omit",
  }).then((response) => {
    // Marks what the platform has stored, so people and tests can see it arrived.
    if (response.ok) document.body.dataset.lastStoredVerb = verb.split("/").pop() ?? "";
  });
}

export function startH5P(config: PlayerConfig): void {
  const container = document.getElementById("h5p-container");
  if (!container) return;
  const player = new H5P(container, {
    h5pJsonPath: "./f",
    frameJs: config.h5p.frameJs,
    frameCss: config.h5p.frameCss,
    // A stable activity IRI: the default (this page's URL) would carry the attempt token.
    xAPIObjectIRI: config.activityId,
    // No `user`: the platform sets the statement's actor to the learner holding the attempt.
  });
  void player.then(() => {
    const h5p = (window as unknown as { H5P: H5PGlobal }).H5P;
    h5p.externalDispatcher.on("xAPI", (event) => send(config.xapiUrl, event.data.statement));
    document.body.dataset.h5pReady = "true";
  });
}
