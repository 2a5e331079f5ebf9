"""Charts drawn on the server as SVG: no chart library, no script, no inline style (CSP-safe).

Colours are SVG presentation attributes (not style attributes, which a strict CSP forbids); the
SVG carries a <title> per bar and an aria-label so screen readers get the figures too.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe


def bar_chart(
    labels: list[str],
    values: list[float],
    *,
    title: str,
    value_format: str = "{:g}",
    max_value: float | None = None,
    width: int = 560,
    height: int = 240,
) -> SafeString:
    """A vertical bar chart; every bar labelled with its value."""
    left, bottom, top = 36, 36, 18
    plot_h = height - bottom - top
    n = max(1, len(values))
    slot = (width - left - 8) / n
    peak = max_value if max_value is not None else max(values, default=0)
    peak = peak or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="chart-axis" stroke="#555" x1="{left}" y1="{top + plot_h}" x2="{width - 4}" '
        f'y2="{top + plot_h}"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * (value / peak) if value > 0 else 0
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        y = top + plot_h - h
        parts.append(
            f'<rect class="chart-bar" fill="#0f5f8c" x="{x:.1f}" y="{y:.1f}" '
            f'width="{w:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {escape(value_format.format(value))}</title></rect>"
        )
        parts.append(
            f'<text class="chart-value" font-size="11" fill="#222" x="{x + w / 2:.1f}" '
            f'y="{y - 4:.1f}" '
            f'text-anchor="middle">{escape(value_format.format(value))}</text>'
        )
        parts.append(
            f'<text class="chart-label" font-size="11" fill="#222" x="{x + w / 2:.1f}" '
            f'y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def histogram(bands: list[int], *, title: str) -> SafeString:
    """Students per score band on the 10-point scale: [0;1) … [9;10]."""
    labels = [f"{b}–{b + 1}" for b in range(len(bands))]
    return bar_chart(labels, [float(n) for n in bands], title=title, value_format="{:.0f}")
