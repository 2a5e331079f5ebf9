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

// Selects marked data-autosubmit send their form on change; the submit button stays in the page
// only for browsers without scripts.
function enableAutosubmit(root: ParentNode): void {
  root.querySelectorAll<HTMLSelectElement>("select[data-autosubmit]").forEach((select) => {
    const form = select.form;
    if (!form) return;
    form.querySelectorAll<HTMLElement>("[data-autosubmit-fallback]").forEach((el) => {
      el.hidden = true;
    });
    select.addEventListener("change", () => form.requestSubmit());
  });
}

// On narrow screens the main navigation folds behind a button.
function enableNavToggle(root: ParentNode): void {
  root.querySelectorAll<HTMLButtonElement>("button[data-nav-toggle]").forEach((button) => {
    const nav = document.getElementById(button.getAttribute("aria-controls") ?? "");
    if (!nav) return;
    const setOpen = (open: boolean): void => {
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("nav-open", open);
    };
    button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
    nav.addEventListener("keydown", (event: KeyboardEvent) => {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  });
}

document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  enableAutosubmit(document);
  enableNavToggle(document);
  if (document.querySelector("[data-testid=current-user]")) {
    connectNotifications();
  }
});
