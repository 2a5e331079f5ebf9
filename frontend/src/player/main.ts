// The exam player: renders an attempt from the API (which never sends keys), saves every answer
// as it changes with a per-question sequence number, shows which answers the server has
// acknowledged, and keeps unacknowledged ones in IndexedDB until they are.

import "./player.css";
import { renderMath } from "../math";
import { acknowledge, pendingFor, putPending } from "./queue";
import { controls, el, html, type Question } from "./render";

interface SavedAnswer {
  position: number;
  response: unknown;
  seq: number;
}

interface AttemptData {
  id: number;
  title: string;
  state: string;
  seconds_left: number;
  questions: Question[];
  answers: SavedAnswer[];
}

type SaveState = "saved" | "pending" | "empty";

const RETRY_MS = 2000;
const TYPING_MS = 400;

function csrfToken(): string {
  try {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") ?? "{}");
    return String(headers["X-CSRFToken"] ?? "");
  } catch {
    return "";
  }
}

class Player {
  private data!: AttemptData;
  private responses = new Map<number, unknown>();
  private seqs = new Map<number, number>();
  private states = new Map<number, SaveState>();
  private flagged = new Set<number>();
  private current = 0;
  private onePerScreen = window.matchMedia("(max-width: 700px)").matches;
  private inFlight = false;
  private retryTimer: number | undefined;
  private typingTimers = new Map<number, number>();
  private deadline = 0;
  private submitted = false;
  private readonly attemptId: number;
  private readonly api: string;
  // Computer-based exams (exams app): the sign-in token goes in X-Exam-Token, the server's
  // deadline is polled (pauses and extra time move it) and submission leads to the receipt.
  private readonly token: string;

  constructor(private readonly root: HTMLElement) {
    this.attemptId = Number(root.dataset.attempt);
    this.api = root.dataset.api ?? "";
    this.token = root.dataset.token ?? "";
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { ...extra, "X-Exam-Token": this.token } : extra;
  }

  private async pollState(): Promise<void> {
    try {
      const response = await fetch(`${this.api}/state`, { credentials: "same-origin", headers: this.headers() });
      if (!response.ok) return;
      const state = (await response.json()) as { state: string; paused: boolean; seconds_left: number };
      this.deadline = Date.now() + state.seconds_left * 1000;
      if (state.state === "submitted") this.finish();
      else if (state.paused) this.announce("Cán bộ coi thi đang tạm dừng giờ làm bài.");
    } catch {
      // Offline: the next poll tries again; answers stay queued.
    }
  }

  private finish(): void {
    this.submitted = true;
    this.root.querySelectorAll<HTMLInputElement>("input, textarea, select").forEach((i) => (i.disabled = true));
    if (this.token && this.root.dataset.resultUrl) window.location.assign(this.root.dataset.resultUrl);
  }

  async start(): Promise<void> {
    try {
      const response = await fetch(this.api, { credentials: "same-origin", headers: this.headers() });
      if (!response.ok) throw new Error(String(response.status));
      this.data = (await response.json()) as AttemptData;
    } catch {
      this.announce("Không tải được bài làm, đang thử lại…");
      window.setTimeout(() => void this.start(), RETRY_MS);
      return;
    }
    for (const a of this.data.answers) {
      this.responses.set(a.position, a.response);
      this.seqs.set(a.position, a.seq);
      this.states.set(a.position, "saved");
    }
    // Local changes the server has not acknowledged win over what it holds.
    for (const p of await pendingFor(this.attemptId)) {
      if (p.seq > (this.seqs.get(p.position) ?? 0)) {
        this.responses.set(p.position, p.response);
        this.seqs.set(p.position, p.seq);
        this.states.set(p.position, "pending");
      }
    }
    this.deadline = Date.now() + this.data.seconds_left * 1000;
    this.submitted = this.data.state !== "in_progress";
    this.render();
    window.setInterval(() => this.tick(), 1000);
    window.addEventListener("online", () => void this.flush());
    if (this.token) window.setInterval(() => void this.pollState(), 15000);
    void this.flush();
  }

  private render(): void {
    this.root.querySelector("[data-player-loading]")?.remove();
    const bar = el("div", { class: "player-bar" });
    const timer = el("p", { class: "player-timer", role: "timer", "data-timer": "" });
    const status = el("p", { class: "player-status", role: "status", "aria-live": "polite", "data-status": "" });
    const mode = el("button", { type: "button", "data-mode": "" });
    mode.addEventListener("click", () => {
      this.onePerScreen = !this.onePerScreen;
      this.layout();
    });
    const submit = el("button", { type: "button", "data-submit": "" }, "Nộp bài");
    submit.addEventListener("click", () => void this.submit());
    bar.append(timer, status, mode, submit);
    const nav = el("nav", { class: "player-nav", "aria-label": "Danh sách câu hỏi" });
    const list = el("ol");
    const form = el("form", { class: "player-questions", novalidate: "" });
    form.addEventListener("submit", (event) => event.preventDefault());
    this.data.questions.forEach((q, index) => {
      const item = el("li");
      const go = el("button", { type: "button", "data-nav": String(q.position) }, String(q.position));
      go.addEventListener("click", () => this.show(index));
      item.append(go);
      list.append(item);
      form.append(this.question(q, index));
    });
    nav.append(list);
    const pager = el("div", { class: "player-pager" });
    const prev = el("button", { type: "button", "data-prev": "" }, "← Câu trước");
    const next = el("button", { type: "button", "data-next": "" }, "Câu sau →");
    prev.addEventListener("click", () => this.show(Math.max(0, this.current - 1)));
    next.addEventListener("click", () => this.show(Math.min(this.data.questions.length - 1, this.current + 1)));
    pager.append(prev, next);
    this.root.append(bar, nav, form, pager);
    this.layout();
    this.tick();
  }

  private question(q: Question, index: number): HTMLElement {
    const section = el("section", {
      class: "player-question",
      "data-question": String(q.position),
      "aria-labelledby": `qh${q.position}`,
    });
    const heading = el("h2", { id: `qh${q.position}` }, `Câu ${q.position} `);
    heading.append(el("small", {}, `(${q.part}, ${q.points} điểm)`));
    const flag = el("button", { type: "button", "aria-pressed": "false", "data-flag": "" }, "Đánh dấu xem lại");
    flag.addEventListener("click", () => {
      if (this.flagged.has(q.position)) this.flagged.delete(q.position);
      else this.flagged.add(q.position);
      flag.setAttribute("aria-pressed", String(this.flagged.has(q.position)));
      this.refresh(q.position);
    });
    const saved = el("p", { class: "player-saved", "data-saved": "", "aria-live": "polite" });
    section.append(heading, html("div", q.stem_html), controls(q, this.responses.get(q.position), (r, typing) =>
      this.answer(q.position, r, typing ?? false),
    ), flag, saved);
    section.dataset.index = String(index);
    renderMath(section);
    return section;
  }

  private layout(): void {
    const mode = this.root.querySelector<HTMLButtonElement>("[data-mode]");
    if (mode) mode.textContent = this.onePerScreen ? "Hiện tất cả câu" : "Mỗi màn hình một câu";
    this.root.querySelector<HTMLElement>(".player-pager")!.hidden = !this.onePerScreen;
    this.root.querySelectorAll<HTMLElement>("[data-question]").forEach((s, i) => {
      s.hidden = this.onePerScreen && i !== this.current;
    });
    this.data.questions.forEach((q) => this.refresh(q.position));
  }

  private show(index: number): void {
    this.current = index;
    this.layout();
    const section = this.root.querySelectorAll<HTMLElement>("[data-question]")[index];
    section?.querySelector<HTMLElement>("h2")?.setAttribute("tabindex", "-1");
    section?.querySelector<HTMLElement>("h2")?.focus();
  }

  private refresh(position: number): void {
    const state = this.states.get(position) ?? "empty";
    const words = { saved: "Đã lưu", pending: "Chưa lưu — sẽ gửi lại", empty: "Chưa trả lời" };
    const section = this.root.querySelector<HTMLElement>(`[data-question="${position}"]`);
    const saved = section?.querySelector<HTMLElement>("[data-saved]");
    if (saved) {
      saved.textContent = words[state];
      saved.dataset.state = state;
    }
    const nav = this.root.querySelector<HTMLElement>(`[data-nav="${position}"]`);
    if (nav) {
      const flagged = this.flagged.has(position);
      nav.dataset.state = state;
      nav.dataset.flagged = String(flagged);
      nav.setAttribute(
        "aria-label",
        `Câu ${position}: ${state === "empty" ? "chưa trả lời" : "đã trả lời"}${flagged ? ", đã đánh dấu" : ""}`,
      );
    }
  }

  private answer(position: number, response: unknown, typing: boolean): void {
    if (this.submitted) return;
    this.responses.set(position, response);
    window.clearTimeout(this.typingTimers.get(position));
    if (typing) {
      // Keystrokes are batched; the change event or a pause saves the text.
      this.typingTimers.set(position, window.setTimeout(() => this.answer(position, response, false), TYPING_MS));
      return;
    }
    const seq = (this.seqs.get(position) ?? 0) + 1;
    this.seqs.set(position, seq);
    this.states.set(position, "pending");
    this.refresh(position);
    void putPending({ attempt: this.attemptId, position, response, seq }).then(() => this.flush());
  }

  private async flush(): Promise<void> {
    if (this.inFlight) return;
    const pending = await pendingFor(this.attemptId);
    if (pending.length === 0) return;
    this.inFlight = true;
    window.clearTimeout(this.retryTimer);
    let ok = false;
    try {
      const response = await fetch(`${this.api}/answers`, {
        method: "PUT",
        credentials: "same-origin",
        headers: this.headers({ "Content-Type": "application/json", "X-CSRFToken": csrfToken() }),
        body: JSON.stringify({
          answers: pending.map((p) => ({ position: p.position, response: p.response, seq: p.seq })),
        }),
      });
      if (response.status === 409 || response.status === 410) {
        // Taken over by another sign-in, or closed: resending cannot help; the queue is kept.
        const body = (await response.json().catch(() => ({}))) as { detail?: string; code?: string };
        this.announce(body.detail ?? "Không lưu được câu trả lời.");
        if (response.status === 410) this.finish();
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      const { acks } = (await response.json()) as { acks: { position: number; seq: number }[] };
      for (const ack of acks) {
        await acknowledge(this.attemptId, ack.position, ack.seq);
        if (ack.seq >= (this.seqs.get(ack.position) ?? 0)) {
          this.states.set(ack.position, "saved");
          this.refresh(ack.position);
        }
      }
      this.announce("Đã lưu các câu trả lời.");
      ok = true;
    } catch {
      this.announce("Mất kết nối: câu trả lời được giữ trên máy và sẽ gửi lại.");
      this.retryTimer = window.setTimeout(() => void this.flush(), RETRY_MS);
    } finally {
      this.inFlight = false;
    }
    // Changes made while the request was in flight go out next.
    if (ok && (await pendingFor(this.attemptId)).length > 0) void this.flush();
  }

  private tick(): void {
    const timer = this.root.querySelector<HTMLElement>("[data-timer]");
    const left = Math.max(0, Math.round((this.deadline - Date.now()) / 1000));
    if (timer) {
      const m = Math.floor(left / 60);
      const s = String(left % 60).padStart(2, "0");
      timer.textContent = `Còn lại ${m}:${s}`;
      timer.dataset.seconds = String(left);
    }
    if (left === 0 && !this.submitted) void this.submit();
  }

  private async submit(): Promise<void> {
    await this.flush();
    const response = await fetch(`${this.api}/submit`, {
      method: "POST",
      credentials: "same-origin",
      headers: this.headers({ "X-CSRFToken": csrfToken() }),
    });
    if (response.ok) {
      this.announce("Đã nộp bài.");
      this.finish();
    } else {
      this.announce("Chưa nộp được bài, hãy thử lại.");
    }
  }

  private announce(message: string): void {
    const status = this.root.querySelector<HTMLElement>("[data-status]");
    if (status) status.textContent = message;
  }
}

const root = document.getElementById("player");
if (root) void new Player(root).start();
