"""Inline SVG charts for the HTML report: no scripts, no external assets, scale with the page."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

__all__ = ["bar_rows", "columns"]

_COLOURS = ("#2f6db5", "#e08a2e", "#8b8b8b", "#c0392b", "#7d5ba6", "#3a9d5d", "#b5a42f", "#5d6d7e", "#16a085")


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def bar_rows(
    items: Sequence[tuple[str, float]],
    label: Callable[[float], str] = lambda v: f"{v:g}",
    title: str = "",
) -> Markup:
    """Horizontal bars, one per (name, value): long Chinese labels stay readable on a phone."""
    row_h, left, width = 26, 130, 460
    height = row_h * len(items) + 10
    top = max((value for _, value in items), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="xMinYMin meet">'
    ]
    for index, (name, value) in enumerate(items):
        y = 5 + index * row_h
        bar = (width - left - 90) * value / top
        colour = _COLOURS[index % len(_COLOURS)]
        parts.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="13">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{bar:.1f}" height="{row_h - 8}" fill="{colour}"/>'
            f'<text x="{left + bar + 6:.1f}" y="{y + 17}" font-size="12">{escape(label(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(items: Sequence[tuple[str, float | None]], title: str = "") -> Markup:
    """Vertical columns of rates (0..1), e.g. the answer rate per hour of the day; None = no calls."""
    width, height, left, bottom, top_pad = 720, 220, 40, 30, 14
    plot_h = height - bottom - top_pad
    step = (width - left - 10) / max(len(items), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="xMinYMin meet">'
    ]
    for tick in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{int(tick * 100)}%</text>'
        )
    for index, (name, value) in enumerate(items):
        x = left + index * step
        if value is not None:
            bar_h = plot_h * value
            parts.append(
                f'<rect x="{x + 2:.1f}" y="{top_pad + plot_h - bar_h:.1f}" width="{step - 4:.1f}" '
                f'height="{bar_h:.1f}" fill="#2f6db5"><title>{escape(name)}: {_percent(value)}</title></rect>'
            )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 12}" text-anchor="middle" font-size="11">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
