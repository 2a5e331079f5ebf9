"""Rich text shown on platform pages is cleaned with nh3 on output as well as on save: whatever
path put HTML into a field (the editor, an import, a direct save, an old row), only harmless
markup reaches the browser: no scripts, no event handlers, no javascript: links, no frames."""

from __future__ import annotations

from typing import Any

import nh3

_TAGS = set(nh3.ALLOWED_TAGS) | {
    "img", "table", "thead", "tbody", "tr", "td", "th", "sup", "sub", "figure", "figcaption",
}  # fmt: skip
_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "img": {"src", "alt", "width", "height", "title", "class"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "span": {"class"},
    "p": {"class"},
    "div": {"class"},
    "ol": {"type", "start"},
}
_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_rich_text(markup: Any) -> str:
    """`markup` (str, or an object with __html__ such as Wagtail's RichText) made safe to show."""
    text = markup.__html__() if hasattr(markup, "__html__") else str(markup or "")
    return nh3.clean(text, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES)
