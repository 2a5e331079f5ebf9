// Live notifications over the platform's authenticated websocket, reconnecting with backoff.
// Status wording comes from the page (data-text-* attributes), translated by Django.

interface Notification {
  type: string;
  message?: string;
  level?: string;
  url?: string;
}

type Status = "connected" | "reconnecting";

function setStatus(key: Status): void {
  document.querySelectorAll<HTMLElement>("[data-live-status]").forEach((el) => {
    const text = el.dataset[key === "connected" ? "textConnected" : "textReconnecting"];
    const label = el.querySelector<HTMLElement>("[data-live-label]") ?? el;
    if (text) label.textContent = text;
    el.dataset.state = key;
  });
}

function showToast(n: Notification): void {
  const box = document.getElementById("live-notifications");
  if (!box || !n.message) return;
  const item = document.createElement(n.url ? "a" : "div");
  item.className = `toast toast-${n.level ?? "info"}`;
  item.textContent = n.message;
  if (n.url && item instanceof HTMLAnchorElement) item.href = n.url;
  box.appendChild(item);
  window.setTimeout(() => item.remove(), 8000);
}

export function connectNotifications(attempt = 0): void {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}/ws/notifications/`);
  socket.addEventListener("open", () => {
    attempt = 0;
    setStatus("connected");
  });
  socket.addEventListener("message", (event: MessageEvent<string>) => {
    const data = JSON.parse(event.data) as Notification;
    if (data.type === "notification") showToast(data);
  });
  socket.addEventListener("close", (event: CloseEvent) => {
    if (event.code === 4401) return; // signed out: do not retry
    setStatus("reconnecting");
    const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    window.setTimeout(() => connectNotifications(attempt + 1), delay);
  });
}
