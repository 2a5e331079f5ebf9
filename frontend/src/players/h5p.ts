// H5P through h5p-standalone; every xAPI statement the content emits is sent to the platform,
// and the content's own state is kept in the platform's xAPI state endpoint so a learner who
// reloads goes on where they left off.
import { H5P } from "h5p-standalone";
import type { PlayerConfig } from "./config";

// Also H5P's autosave period; H5P only restores a previous state when saving is enabled.
const SAVE_SECONDS = 10;

interface XAPIEvent {
  data: { statement: Record<string, unknown> };
}

interface H5PInstance {
  getCurrentState?: () => unknown;
}

interface H5PGlobal {
  externalDispatcher: { on(name: string, handler: (event: XAPIEvent) => void): void };
  instances: H5PInstance[];
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

// The running content's state: from its getCurrentState() (in this page or, with iframe
// embedding, in the frame h5p-standalone made), else what H5P core last saved into
// contentUserData (it does so every saveFreq seconds; when this page is itself framed, H5P
// keeps its instances out of reach, so this is the way that always works).
function currentState(h5p: H5PGlobal): unknown {
  const found: H5PInstance[] = [...(h5p.instances ?? [])];
  const integrations: (H5PIntegrationGlobal | undefined)[] = [];
  document.querySelectorAll<HTMLIFrameElement>("iframe").forEach((frame) => {
    const inner = frame.contentWindow as unknown as {
      H5P?: H5PGlobal;
      H5PIntegration?: H5PIntegrationGlobal;
    } | null;
    if (inner?.H5P?.instances) found.push(...inner.H5P.instances);
    integrations.push(inner?.H5PIntegration);
  });
  const running = found.find((i) => typeof i.getCurrentState === "function");
  if (running?.getCurrentState) return running.getCurrentState();
  integrations.push((window as unknown as { H5PIntegration?: H5PIntegrationGlobal }).H5PIntegration);
  for (const integration of integrations) {
    for (const content of Object.values(integration?.contents ?? {})) {
      const saved = content.contentUserData?.[0]?.state;
      if (typeof saved === "string" && saved !== "RESET") return JSON.parse(saved) as unknown;
    }
  }
  return undefined;
}

interface H5PIntegrationGlobal {
  contents?: Record<string, { contentUserData?: Record<string, { state?: unknown }> }>;
}

// Saves the content's current state when it changed since the last save.
function stateSaver(config: PlayerConfig, h5p: H5PGlobal): () => void {
  const query = new URLSearchParams({
    activityId: config.activityId,
    stateId: config.h5p.stateId,
  });
  const url = `${config.h5p.stateUrl}?${query.toString()}`;
  let last = config.h5p.state;
  return () => {
    let current: string | undefined;
    try {
      const state = currentState(h5p);
      current = state === undefined ? undefined : JSON.stringify(state);
    } catch {
      return; // content that cannot report its state now is asked again later
    }
    if (current === undefined || current === last) return;
    const saving = current;
    void fetch(url, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: saving,
      credentials: "omit",
      keepalive: true, // also delivered while the page unloads
    }).then((response) => {
      if (!response.ok) return;
      last = saving;
      document.body.dataset.stateSaved = String(Number(document.body.dataset.stateSaved ?? 0) + 1);
    });
  };
}

// A learner's storage that lives as long as the page. Framed in the platform from another
// site, Chromium refuses this page (and H5P's frame) localStorage; H5P core reads it while
// starting content and would stop halfway (no instance, no state saving).
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key: string) => items.get(key) ?? null,
    key: (index: number) => [...items.keys()][index] ?? null,
    removeItem: (key: string) => void items.delete(key),
    setItem: (key: string, value: string) => void items.set(key, String(value)),
  };
}

function guardStorage(target: Window | null): void {
  if (!target) return;
  try {
    void target.localStorage;
  } catch {
    Object.defineProperty(target, "localStorage", { value: memoryStorage(), configurable: true });
  }
}

export function startH5P(config: PlayerConfig): void {
  const container = document.getElementById("h5p-container");
  if (!container) return;
  guardStorage(window);
  // h5p-standalone makes an about:blank frame and writes H5P into it: guard it on arrival.
  new MutationObserver(() => {
    container.querySelectorAll("iframe").forEach((frame) => guardStorage(frame.contentWindow));
  }).observe(container, { childList: true, subtree: true });
  const options: Record<string, unknown> = {
    h5pJsonPath: "./f",
    frameJs: config.h5p.frameJs,
    frameCss: config.h5p.frameCss,
    // A stable activity IRI: the default (this page's URL) would carry the attempt token.
    xAPIObjectIRI: config.activityId,
    // No `user`: the platform sets the statement's actor to the learner holding the attempt.
    saveFreq: SAVE_SECONDS,
  };
  // H5P core reads contentUserData[subContentId][dataType], a JSON string.
  if (config.h5p.state) options.contentUserData = [{ state: config.h5p.state }];
  const player = new H5P(container, options);
  void player.then(() => {
    const h5p = (window as unknown as { H5P: H5PGlobal }).H5P;
    const save = stateSaver(config, h5p);
    h5p.externalDispatcher.on("xAPI", (event) => {
      send(config.xapiUrl, event.data.statement);
      // After the content has handled the interaction, so its state includes it.
      window.setTimeout(save, 0);
    });
    window.setInterval(save, SAVE_SECONDS * 1000);
    window.addEventListener("pagehide", save);
    document.body.dataset.h5pReady = "true";
  });
}
