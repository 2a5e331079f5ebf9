import Alpine from "alpinejs";
import htmx from "htmx.org";
import { connectNotifications } from "./notifications";

declare global {
  interface Window {
    Alpine: typeof Alpine;
    htmx: typeof htmx;
  }
}

window.htmx = htmx;
window.Alpine = Alpine;
Alpine.start();

document.addEventListener("DOMContentLoaded", () => {
  if (document.querySelector("[data-testid=current-user]")) {
    connectNotifications();
  }
});
