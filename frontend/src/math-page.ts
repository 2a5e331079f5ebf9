// Entry for teachers' and students' assessment pages: typeset every [data-math] region, also
// those HTMX swaps in later (bank search results).
import { renderMarked } from "./math";

document.addEventListener("DOMContentLoaded", () => renderMarked(document));
document.addEventListener("htmx:afterSwap", (event) => {
  const target = (event as CustomEvent<{ target?: HTMLElement }>).detail?.target;
  if (target) renderMarked(target);
});
