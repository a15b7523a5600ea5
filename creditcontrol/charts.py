"""Small server-side SVG charts (no scripts, no assets: the same markup works in pages and PDFs)."""

from decimal import Decimal

from django.utils.html import escape


class _Frame:
    """The part every chart shares: a vertical scale over the values (always including zero), the SVG
    element, the zero line and the value ticks on the left."""

    def __init__(
        self,
        values,
        *,
        width: int,
        height: int,
        label: str,
        pad_left: int,
        pad_right: int,
        pad_top: int,
        pad_bottom: int,
    ):
        self.top = max([Decimal(0), *values]) or Decimal(1)
        self.bottom = min([Decimal(0), *values])
        self.span = (self.top - self.bottom) or Decimal(1)
        self.pad_left, self.pad_top = pad_left, pad_top
        self.plot_h = height - pad_top - pad_bottom
        self.right = width - pad_right
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(label)}">',
            f'<line x1="{pad_left}" y1="{self.y(0):.1f}" x2="{self.right}" y2="{self.y(0):.1f}" stroke="#9aa3af"/>',
        ]

    def y(self, value) -> float:
        return self.pad_top + float((self.top - value) / self.span) * self.plot_h

    def ticks(self, values) -> None:
        for tick in values:
            self.parts.append(
                f'<text x="{self.pad_left - 6}" y="{self.y(tick) + 4:.1f}" text-anchor="end" font-size="10" '
                f'fill="#6b7280">{tick:,.0f}</text>'
            )

    def svg(self) -> str:
        return "".join([*self.parts, "</svg>"])


def bar_chart_svg(items: list[dict], *, label: str, width: int = 560, height: int = 200) -> str:
    """Vertical bars: items are {"label", "value", "href" (optional), "colour" (optional)}."""
    if not items:
        return ""
    values = [Decimal(i["value"] or 0) for i in items]
    frame = _Frame(
        values, width=width, height=height, label=label, pad_left=70, pad_right=10, pad_top=10, pad_bottom=34
    )
    frame.ticks((frame.top, frame.bottom) if frame.bottom < 0 else (frame.top, frame.top / 2))
    step = (frame.right - frame.pad_left) / len(items)
    for index, (item, value) in enumerate(zip(items, values, strict=True)):
        x = frame.pad_left + index * step
        y1, y2 = sorted((frame.y(value), frame.y(0)))
        bar = (
            f'<rect x="{x + step * 0.15:.1f}" y="{y1:.1f}" width="{step * 0.7:.1f}" height="{max(y2 - y1, 0.5):.1f}" '
            f'fill="{item.get("colour", "#1f5fbf")}"><title>{escape(item["label"])}: {value:,.2f}</title></rect>'
        )
        if item.get("href"):
            bar = f'<a href="{escape(item["href"])}">{bar}</a>'
        frame.parts.append(bar)
        frame.parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 18}" text-anchor="middle" font-size="10" '
            f'fill="#374151">{escape(item["label"])}</text>'
        )
        frame.parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 5}" text-anchor="middle" font-size="10" '
            f'fill="#6b7280">{value:,.0f}</text>'
        )
    return frame.svg()


def line_chart_svg(
    points: list[tuple[str, Decimal | None]],
    *,
    label: str,
    width: int = 560,
    height: int = 160,
    colour: str = "#1f5fbf",
) -> str:
    """One series over time: points are (x label, value or None for a gap).

    Every point is a marker with its label and value as a tooltip; a point with no neighbour to draw a
    line to (the only one so far, or one between gaps) also shows its value, or the chart would look empty.
    """
    known = [v for _, v in points if v is not None]
    if not known:
        return ""
    pad_left, pad_bottom, pad_top = 50, 20, 18
    top, bottom = max(known), min(known)
    span = (top - bottom) or Decimal(1)
    plot_w, plot_h = width - pad_left - 10, height - pad_top - pad_bottom
    step = plot_w / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return pad_left + (plot_w / 2 if len(points) == 1 else index * step)

    def y(value) -> float:
        if top == bottom:  # one value (or one repeated): a level line across the middle
            return pad_top + plot_h / 2
        return pad_top + float((top - value) / span) * plot_h

    def known_at(index: int) -> bool:
        return 0 <= index < len(points) and points[index][1] is not None

    path, move = [], "M"
    for index, (_, value) in enumerate(points):
        if value is None:
            move = "M"
            continue
        path.append(f"{move}{x(index):.1f},{y(value):.1f}")
        move = "L"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<text x="{pad_left - 6}" y="{y(top) + 4:.1f}" text-anchor="end" font-size="10" fill="#6b7280">{top:,.1f}</text>',
    ]
    if bottom != top:
        parts.append(
            f'<text x="{pad_left - 6}" y="{y(bottom) + 4:.1f}" text-anchor="end" font-size="10" fill="#6b7280">'
            f"{bottom:,.1f}</text>"
        )
    parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for index, (point_label, value) in enumerate(points):
        if value is None:
            continue
        alone = not known_at(index - 1) and not known_at(index + 1)
        parts.append(
            f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="{5 if alone else 2.5}" fill="{colour}">'
            f"<title>{escape(point_label)}: {value:,.1f}</title></circle>"
        )
        if alone:
            parts.append(
                f'<text x="{x(index):.1f}" y="{y(value) - 10:.1f}" text-anchor="middle" font-size="16" '
                f'font-weight="600" fill="{colour}" class="point-value">{value:,.1f}</text>'
            )
    for index in sorted({0, len(points) - 1}):
        parts.append(
            f'<text x="{x(index):.1f}" y="{height - 4}" text-anchor="middle" font-size="10" '
            f'fill="#6b7280">{escape(points[index][0])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def credit_review_svg(points: list[dict], *, width: int = 640, height: int = 220, currency: str = "") -> str:
    """Credit limit (step line) against balance (bars) at each month end."""
    if not points:
        return ""
    values = [p["balance"] for p in points] + [p["limit"] for p in points if p["limit"] is not None]
    frame = _Frame(
        values,
        width=width,
        height=height,
        label="Credit limit against balance",
        pad_left=70,
        pad_right=10,
        pad_top=12,
        pad_bottom=28,
    )
    frame.ticks((frame.top, (frame.top + frame.bottom) / 2, frame.bottom))
    step = (frame.right - frame.pad_left) / len(points)
    limit_path, previous_limit = [], None
    for i, point in enumerate(points):
        x = frame.pad_left + i * step
        bar_top, bar_bottom = sorted((frame.y(point["balance"]), frame.y(0)))
        colour = "#b42318" if point["limit"] is not None and point["balance"] > point["limit"] else "#1f5fbf"
        frame.parts.append(
            f'<rect x="{x + step * 0.2:.1f}" y="{bar_top:.1f}" width="{step * 0.6:.1f}" '
            f'height="{max(bar_bottom - bar_top, 0.5):.1f}" fill="{colour}">'
            f"<title>{point['date']:%d %b %Y}: balance {point['balance']:,.2f} {escape(currency)}</title></rect>"
        )
        frame.parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="10" '
            f'fill="#6b7280">{point["date"]:%b %y}</text>'
        )
        if point["limit"] is not None:  # no limit: a gap in the line
            move = "M" if previous_limit is None else "L"
            limit_y = frame.y(point["limit"])
            limit_path.append(f"{move}{x:.1f},{limit_y:.1f} L{x + step:.1f},{limit_y:.1f}")
        previous_limit = point["limit"]
    if limit_path:
        frame.parts.append(
            f'<path d="{" ".join(limit_path)}" fill="none" stroke="#1a7f37" stroke-width="2">'
            "<title>Credit limit</title></path>"
        )
    return frame.svg()
