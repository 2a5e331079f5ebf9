// Formulas in question stems, options and pages: LaTeX between $…$, $$…$$, \(…\) or \[…\] is
// typeset by KaTeX in the browser. KaTeX builds DOM nodes and sets sizes through the CSSOM
// (element.style), which a strict Content-Security-Policy allows; its stylesheet and fonts are
// bundled with ours, nothing comes from a CDN. A formula KaTeX cannot read stays as written.

import "katex/dist/katex.min.css";
import renderMathInElement from "katex/contrib/auto-render";

const DELIMITERS = [
  { left: "$$", right: "$$", display: true },
  { left: "\\[", right: "\\]", display: true },
  { left: "\\(", right: "\\)", display: false },
  { left: "$", right: "$", display: false },
];

export function renderMath(root: HTMLElement): void {
  renderMathInElement(root, {
    delimiters: DELIMITERS,
    throwOnError: false,
    // Inputs and code keep what the person typed.
    ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option", "input"],
  });
}

// Pages mark the regions holding formulas with data-math; HTMX fragments get the same.
export function renderMarked(root: ParentNode): void {
  root.querySelectorAll<HTMLElement>("[data-math]").forEach((node) => renderMath(node));
}
