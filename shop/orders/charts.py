"""Server-drawn SVG bar charts: no script, no inline style (the CSP forbids both).

Colours and fonts are SVG presentation attributes; every piece of text is escaped; the chart
is an image with a <title> and a <desc> for screen readers, and each bar has its own <title>
(its exact value, also shown as a tooltip). The drawing is 400 units wide so that its 14-unit
text stays readable when a phone shrinks it to the screen's width.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_FILL = "#b3261e"
EMPTY_FILL = "#dde1e5"
TEXT_FILL = "#1f2328"
MUTED_FILL = "#5b636b"
FONT = "system-ui, sans-serif"
WIDTH = 400
MAX_LABEL = 50
VALUE_ROOM = 110  # beside a product's bar, for "12.345.000 ₫"


@dataclass(frozen=True)
class Bar:
    """One bar: its label (and a second line under it), its value, and the value as text."""

    label: str
    value: int
    value_text: str
    sublabel: str = ""
    tip: str = ""

    @property
    def title(self) -> str:
        return self.tip or f"{self.label}: {self.value_text}"


def _shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _frame(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    """The <svg> element around the bars, labelled by its title and description."""
    ident = escape(chart_id)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _rect(x: float, y: float, width: float, height: float, fill: str, tip: str) -> str:
    return (
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="{fill}"><title>{escape(tip)}</title></rect>'
    )


def _text(x: float, y: float, text: str, *, size: int = 14, anchor: str = "start", fill=TEXT_FILL):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def column_chart(bars: list[Bar], *, chart_id: str, title: str, description: str) -> Markup:
    """Vertical bars side by side (months), labels under them, the highest value on top."""
    height, top, bottom = 220, 24, 40
    plot = height - top - bottom
    slot = WIDTH / max(len(bars), 1)
    peak = max((bar.value for bar in bars), default=0)
    body = []
    if peak:
        highest = max(bars, key=lambda bar: bar.value)
        body.append(_text(0, 14, highest.value_text, size=13, fill=MUTED_FILL))
    axis = top + plot
    body.append(f'<line x1="0" y1="{axis}" x2="{WIDTH}" y2="{axis}" stroke="{MUTED_FILL}"/>')
    for index, bar in enumerate(bars):
        bar_height = plot * bar.value / peak if peak else 0
        fill = BAR_FILL if bar.value else EMPTY_FILL
        x = index * slot + slot * 0.15
        body.append(_rect(x, axis - bar_height, slot * 0.7, bar_height, fill, bar.title))
        middle = index * slot + slot / 2
        body.append(_text(middle, axis + 17, bar.label, anchor="middle"))
        if bar.sublabel:  # a year: it starts at this bar, and a tick marks where
            left = index * slot
            body.append(_text(left + 3, axis + 35, bar.sublabel, size=12, fill=MUTED_FILL))
            if index:
                body.append(
                    f'<line x1="{left:.1f}" y1="{axis}" x2="{left:.1f}" y2="{height}" '
                    f'stroke="{MUTED_FILL}"/>'
                )
    return _frame(chart_id, title, description, height, body)


def row_chart(bars: list[Bar], *, chart_id: str, title: str, description: str) -> Markup:
    """Horizontal bars one under the other (products): the name above, the value beside."""
    row = 50
    height = max(len(bars), 1) * row
    peak = max((bar.value for bar in bars), default=0)
    body = []
    for index, bar in enumerate(bars):
        y = index * row
        width = (WIDTH - VALUE_ROOM) * bar.value / peak if peak else 0
        body.append(_text(0, y + 16, _shorten(bar.label)))
        body.append(_rect(0, y + 24, width, 18, BAR_FILL, bar.title))
        body.append(_text(width + 6, y + 38, bar.value_text, size=13, fill=MUTED_FILL))
    return _frame(chart_id, title, description, height, body)
