"""Word equations (OMML) to LaTeX, so KaTeX renders them: fractions, powers, indices, roots,
brackets, n-ary operators and plain runs; anything else keeps its text."""

from __future__ import annotations

from typing import Any

M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_NARY = {"∑": r"\sum", "∏": r"\prod", "∫": r"\int", "∬": r"\iint", "∮": r"\oint"}
_SYMBOLS = {
    "≤": r"\le ",
    "≥": r"\ge ",
    "≠": r"\ne ",
    "±": r"\pm ",
    "×": r"\times ",
    "÷": r"\div ",
    "π": r"\pi ",
    "α": r"\alpha ",
    "β": r"\beta ",
    "Δ": r"\Delta ",
    "∞": r"\infty ",
    "∈": r"\in ",
    "→": r"\to ",
    "°": r"^\circ ",
}


def _tag(el: Any) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.split("}", 1)[1] if tag.startswith(f"{{{M}}}") else ""


def _child(el: Any, name: str) -> Any:
    return el.find(f"{{{M}}}{name}")


def _val(el: Any, name: str, default: str) -> str:
    pr = el.find(f".//{{{M}}}{name}")
    if pr is None:
        return default
    return pr.get(f"{{{M}}}val", default)


def _kids(el: Any) -> str:
    return "".join(to_latex(c) for c in el) if el is not None else ""


def to_latex(el: Any) -> str:
    tag = _tag(el)
    if tag == "t":
        return "".join(_SYMBOLS.get(ch, ch) for ch in (el.text or ""))
    if tag == "f":
        return rf"\frac{{{_kids(_child(el, 'num'))}}}{{{_kids(_child(el, 'den'))}}}"
    if tag == "sSup":
        return f"{{{_kids(_child(el, 'e'))}}}^{{{_kids(_child(el, 'sup'))}}}"
    if tag == "sSub":
        return f"{{{_kids(_child(el, 'e'))}}}_{{{_kids(_child(el, 'sub'))}}}"
    if tag == "sSubSup":
        e, sub, sup = (_kids(_child(el, n)) for n in ("e", "sub", "sup"))
        return f"{{{e}}}_{{{sub}}}^{{{sup}}}"
    if tag == "rad":
        deg = _kids(_child(el, "deg"))
        body = _kids(_child(el, "e"))
        return rf"\sqrt[{deg}]{{{body}}}" if deg else rf"\sqrt{{{body}}}"
    if tag == "d":
        beg, end = _val(el, "begChr", "("), _val(el, "endChr", ")")
        sep = _val(el, "sepChr", ",")
        inner = sep.join(_kids(e) for e in el.findall(f"{{{M}}}e"))
        beg = {"{": r"\{", "": "."}.get(beg, beg)
        end = {"}": r"\}", "": "."}.get(end, end)
        return rf"\left{beg}{inner}\right{end}"
    if tag == "nary":
        op = _NARY.get(_val(el, "chr", "∫"), _val(el, "chr", "∫"))
        sub, sup = _kids(_child(el, "sub")), _kids(_child(el, "sup"))
        limits = (f"_{{{sub}}}" if sub else "") + (f"^{{{sup}}}" if sup else "")
        return f"{op}{limits}{{{_kids(_child(el, 'e'))}}}"
    if tag == "bar":
        return rf"\overline{{{_kids(_child(el, 'e'))}}}"
    if tag in {"rPr", "fPr", "radPr", "dPr", "naryPr", "sSupPr", "sSubPr", "ctrlPr", "barPr"}:
        return ""
    return _kids(el)


def omml_to_latex(el: Any) -> str:
    """`\\(...\\)` around the LaTeX of one m:oMath (or m:oMathPara) element."""
    return rf"\({to_latex(el).strip()}\)"
