// The CSP build: no eval, so the Content-Security-Policy can forbid 'unsafe-eval'.
import Alpine from "@alpinejs/csp";
import htmx from "htmx.org";
import { connectExamConsoles } from "./exams_console";
import { registerLms } from "./lms";
import { connectNotifications } from "./notifications";
import { registerQuestionBank } from "./question_bank";

declare global {
  interface Window {
    Alpine: typeof Alpine;
    htmx: typeof htmx;
  }
}

// Under our Content-Security-Policy htmx must neither eval (hx-on, js: values) nor inject its
// indicator <style> element.
htmx.config.allowEval = false;
htmx.config.includeIndicatorStyles = false;
window.htmx = htmx;
window.Alpine = Alpine;
registerLms(Alpine);
registerQuestionBank(Alpine);
Alpine.start();
connectExamConsoles();

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
