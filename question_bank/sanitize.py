"""Rich text of items: sanitised with nh3. LaTeX (`$...$`, `\\(...\\)`, `\\[...\\]`) is plain text
to the sanitiser, so it survives untouched and KaTeX renders it in the browser."""

from __future__ import annotations

import dataclasses
import html
import re

import nh3

from core.api import fold

from .interchange import Choice, ItemContent

_TAGS = set(nh3.ALLOWED_TAGS) | {"img", "table", "thead", "tbody", "tr", "td", "th", "sup", "sub"}
_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "span": {"class"},
    "ol": {"type", "start"},
}
_TAG_RE = re.compile(r"<[^>]+>")
# data: for images embedded in imported files; asset URLs are relative.
_SCHEMES = {"http", "https", "data", "mailto"}


def clean_html(html: str) -> str:
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES)


def html_to_text(html_text: str) -> str:
    """Plain text of (sanitised) HTML; every tag becomes a space so words never glue."""
    return " ".join(html.unescape(_TAG_RE.sub(" ", html_text)).split())


def _clean_choice(choice: Choice) -> Choice:
    return dataclasses.replace(choice, html=clean_html(choice.html))


def clean_content(content: ItemContent) -> ItemContent:
    """A copy of `content` with every rich-text field sanitised."""
    return dataclasses.replace(
        content,
        stem_html=clean_html(content.stem_html),
        choices=[_clean_choice(c) for c in content.choices],
        targets=[_clean_choice(c) for c in content.targets],
        gaps=[
            dataclasses.replace(g, choices=[_clean_choice(c) for c in g.choices])
            for g in content.gaps
        ],
        solution_html=clean_html(content.solution_html),
        rubric_html=clean_html(content.rubric_html),
    )


def search_text(content: ItemContent, tags: list[str] | None = None) -> str:
    """Stem, options, solution and tags as folded plain text (no diacritics, đ -> d)."""
    parts = [content.stem_html, content.solution_html]
    parts += [c.html for c in content.choices] + [c.html for c in content.targets]
    parts += [c.html for g in content.gaps for c in g.choices]
    text = html_to_text(" ".join(p for p in parts if p))
    return fold(" ".join([text, *(tags or [])])).strip()
