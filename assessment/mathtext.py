"""LaTeX formulas written as readable Unicode text for printed papers (.docx and PDF).

Printed papers have no KaTeX: `$\\frac{1}{2}x^{2}$` becomes "(1)/(2)x²". Commands this module does
not know are kept as written, so nothing is lost.
"""

from __future__ import annotations

import re

_SYMBOLS = {
    r"\le": "≤",
    r"\leq": "≤",
    r"\ge": "≥",
    r"\geq": "≥",
    r"\ne": "≠",
    r"\neq": "≠",
    r"\cdot": "·",
    r"\times": "×",
    r"\div": "÷",
    r"\pm": "±",
    r"\infty": "∞",
    r"\pi": "π",
    r"\alpha": "α",
    r"\beta": "β",
    r"\gamma": "γ",
    r"\Delta": "Δ",
    r"\delta": "δ",
    r"\varepsilon": "ε",
    r"\theta": "θ",
    r"\lambda": "λ",
    r"\mu": "μ",
    r"\sigma": "σ",
    r"\omega": "ω",
    r"\Omega": "Ω",
    r"\in": "∈",
    r"\notin": "∉",
    r"\subset": "⊂",
    r"\cup": "∪",
    r"\cap": "∩",
    r"\emptyset": "∅",
    r"\forall": "∀",
    r"\exists": "∃",
    r"\Rightarrow": "⇒",
    r"\Leftrightarrow": "⇔",
    r"\to": "→",
    r"\rightarrow": "→",
    r"\approx": "≈",
    r"\equiv": "≡",
    r"\perp": "⊥",
    r"\parallel": "∥",
    r"\angle": "∠",
    r"\circ": "°",
    r"\mathbb{R}": "ℝ",
    r"\mathbb{N}": "ℕ",
    r"\mathbb{Z}": "ℤ",
    r"\mathbb{Q}": "ℚ",
    r"\left": "",
    r"\right": "",
    r"\,": " ",
    r"\;": " ",
    r"\quad": " ",
    r"\{": "{",
    r"\}": "}",
}
_SUP = str.maketrans("0123456789+-=()nix", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱˣ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_MATH_RE = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"


def _script(body: str, table: dict[int, int], mark: str) -> str:
    converted = body.translate(table)
    if all(ch in "".join(chr(v) for v in table.values()) for ch in converted):
        return converted
    return f"{mark}({body})"


def latex_to_text(tex: str) -> str:
    text = tex
    for _ in range(3):  # nested fractions and roots
        text = re.sub(r"\\[dt]?frac" + _GROUP + _GROUP, r"(\1)/(\2)", text)
        text = re.sub(r"\\sqrt\[([^\]]+)\]" + _GROUP, r"\1√(\2)", text)
        text = re.sub(r"\\sqrt" + _GROUP, r"√(\1)", text)
        text = re.sub(r"\\(?:overline|vec|overrightarrow)" + _GROUP, r"\1→", text)
        text = re.sub(r"\\(?:text|mathrm|mathbf|operatorname)" + _GROUP, r"\1", text)
    text = re.sub(r"\^" + _GROUP, lambda m: _script(m.group(1), _SUP, "^"), text)
    text = re.sub(r"\^(\w)", lambda m: _script(m.group(1), _SUP, "^"), text)
    text = re.sub(r"_" + _GROUP, lambda m: _script(m.group(1), _SUB, "_"), text)
    text = re.sub(r"_(\w)", lambda m: _script(m.group(1), _SUB, "_"), text)
    for command in sorted(_SYMBOLS, key=len, reverse=True):
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", _SYMBOLS[command], text)
    text = re.sub(r"\\(sin|cos|tan|cot|log|ln|lim|max|min)(?![A-Za-z])", r"\1", text)
    return text.replace("{", "").replace("}", "")


def formulas_to_text(html: str) -> str:
    """Every $...$, $$...$$, \\(...\\) and \\[...\\] in the text replaced by readable text."""
    return _MATH_RE.sub(lambda m: latex_to_text(next(g for g in m.groups() if g is not None)), html)
