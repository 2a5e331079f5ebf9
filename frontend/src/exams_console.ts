// The live proctor console and the coordinator overview of computer-based exams: a websocket
// per room (or exam) carries snapshots from the server and the proctor's actions to it. The
// page never reloads; the socket reconnects with backoff.

interface Seat {
  candidate: number;
  number: string;
  name: string;
  seat: number | null;
  version: string;
  state: string;
  answered: number;
  questions: number;
  seconds_left: number | null;
  extra_minutes: number;
}

interface Snapshot {
  type: "snapshot";
  room: { access_code: string | null; paused: boolean; locked: boolean };
  seats: Seat[];
  incidents: { at: string; note: string; candidate: number | null }[];
}

interface OverviewRoom {
  id: number;
  total: number;
  in_progress: number;
  submitted: number;
}

const STATES: Record<string, string> = {
  not_started: "Chưa bắt đầu",
  in_progress: "Đang làm",
  idle: "Không thao tác",
  disconnected: "Mất kết nối",
  paused: "Tạm dừng",
  locked: "Đã khoá",
  submitted: "Đã nộp",
};

function socketUrl(path: string): string {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}${path}`;
}

function live(path: string, onMessage: (data: Record<string, unknown>) => void, status?: HTMLElement | null): {
  send: (data: unknown) => void;
} {
  let socket: WebSocket | null = null;
  let delay = 1000;
  const connect = (): void => {
    socket = new WebSocket(socketUrl(path));
    socket.onopen = () => {
      delay = 1000;
      if (status) status.textContent = "Đã kết nối, đang cập nhật trực tiếp.";
    };
    socket.onmessage = (event) => onMessage(JSON.parse(String(event.data)) as Record<string, unknown>);
    socket.onclose = () => {
      if (status) status.textContent = "Mất kết nối, đang thử lại…";
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  };
  connect();
  return {
    send: (data) => {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data));
      else if (status) status.textContent = "Chưa kết nối được, hãy thử lại.";
    },
  };
}

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function button(label: string, action: string, candidate: number): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.seatAction = action;
  b.dataset.candidate = String(candidate);
  return b;
}

function clock(seconds: number | null): string {
  if (seconds === null) return "—";
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function renderConsole(root: HTMLElement, snap: Snapshot): void {
  const code = root.querySelector<HTMLElement>("[data-access-code]");
  if (code) code.textContent = snap.room.access_code ?? "—";
  const body = root.querySelector<HTMLElement>("[data-seats]");
  if (body) {
    body.replaceChildren(
      ...snap.seats.map((s) => {
        const tr = document.createElement("tr");
        tr.dataset.state = s.state;
        tr.dataset.candidate = String(s.candidate);
        const actions = document.createElement("td");
        actions.append(
          s.state === "paused" ? button("Tiếp tục", "resume", s.candidate) : button("Tạm dừng", "pause", s.candidate),
          button("+5 phút", "extend", s.candidate),
          s.state === "locked" ? button("Mở khoá", "unlock", s.candidate) : button("Khoá", "lock", s.candidate),
          button("Thu bài", "force_submit", s.candidate),
        );
        tr.append(
          cell(String(s.seat ?? "")),
          cell(s.number),
          cell(s.name),
          cell(s.version),
          cell(STATES[s.state] ?? s.state),
          cell(`${s.answered}/${s.questions}`),
          cell(clock(s.seconds_left) + (s.extra_minutes ? ` (+${s.extra_minutes}′)` : "")),
          actions,
        );
        return tr;
      }),
    );
  }
  const incidents = root.querySelector<HTMLElement>("[data-incidents]");
  if (incidents) {
    incidents.replaceChildren(
      ...snap.incidents.map((i) => {
        const li = document.createElement("li");
        li.textContent = `${new Date(i.at).toLocaleTimeString()} — ${i.note}`;
        return li;
      }),
    );
  }
}

function startConsole(root: HTMLElement): void {
  const status = root.querySelector<HTMLElement>("[data-console-status]");
  let last: Snapshot | null = null;
  const channel = live(
    root.dataset.ws ?? "",
    (data) => {
      if (data.type === "snapshot") {
        last = data as unknown as Snapshot;
        renderConsole(root, last);
      } else if (data.type === "error" && status) {
        status.textContent = String(data.detail ?? "Lỗi");
      } else if (data.type === "done" && status) {
        status.textContent = "Đã thực hiện.";
      }
    },
    status,
  );
  root.addEventListener("click", (event) => {
    const target = event.target as HTMLElement;
    const roomAction = target.closest<HTMLElement>("[data-room-action]");
    if (roomAction) channel.send({ action: roomAction.dataset.roomAction });
    const seatAction = target.closest<HTMLElement>("[data-seat-action]");
    if (seatAction) {
      const action = seatAction.dataset.seatAction;
      if (action === "force_submit" && !window.confirm("Thu bài của thí sinh này?")) return;
      channel.send({ action, candidate: Number(seatAction.dataset.candidate), minutes: 5 });
    }
  });
  const form = root.querySelector<HTMLFormElement>("[data-incident-form]");
  form?.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const number = String(data.get("number") ?? "").trim();
    const seat = last?.seats.find((s) => s.number === number);
    channel.send({ action: "incident", note: String(data.get("note") ?? ""), candidate: seat?.candidate ?? null });
    form.reset();
  });
}

function startOverview(root: HTMLElement): void {
  live(root.dataset.ws ?? "", (data) => {
    if (data.type !== "overview") return;
    for (const room of data.rooms as OverviewRoom[]) {
      const row = root.querySelector<HTMLElement>(`[data-room="${room.id}"]`);
      if (!row) continue;
      row.querySelector("[data-total]")!.textContent = String(room.total);
      row.querySelector("[data-in-progress]")!.textContent = String(room.in_progress);
      row.querySelector("[data-submitted]")!.textContent = String(room.submitted);
    }
  });
}

export function connectExamConsoles(): void {
  document.querySelectorAll<HTMLElement>("[data-exam-console]").forEach(startConsole);
  document.querySelectorAll<HTMLElement>("[data-exam-overview]").forEach(startOverview);
}
