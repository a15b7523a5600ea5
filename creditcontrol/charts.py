"""Small server-side SVG charts (no scripts, no assets: the same markup works in pages and PDFs)."""

from decimal import Decimal

from django.utils.html import escape


def bar_chart_svg(items: list[dict], *, label: str, width: int = 560, height: int = 200) -> str:
    """Vertical bars: items are {"label", "value", "href" (optional), "colour" (optional)}."""
    if not items:
        return ""
    pad_left, pad_bottom, pad_top = 70, 34, 10
    values = [Decimal(i["value"] or 0) for i in items]
    top, bottom = max([Decimal(0), *values]), min([Decimal(0), *values])
    span = (top - bottom) or Decimal(1)
    plot_w, plot_h = width - pad_left - 10, height - pad_top - pad_bottom
    step = plot_w / len(items)

    def y(value) -> float:
        return pad_top + float((top - value) / span) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<line x1="{pad_left}" y1="{y(0):.1f}" x2="{width - 10}" y2="{y(0):.1f}" stroke="#9aa3af"/>',
    ]
    for tick in (top, bottom) if bottom < 0 else (top, top / 2):
        parts.append(
            f'<text x="{pad_left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="#6b7280">{tick:,.0f}</text>'
        )
    for index, (item, value) in enumerate(zip(items, values, strict=True)):
        x = pad_left + index * step
        y1, y2 = sorted((y(value), y(0)))
        bar = (
            f'<rect x="{x + step * 0.15:.1f}" y="{y1:.1f}" width="{step * 0.7:.1f}" height="{max(y2 - y1, 0.5):.1f}" '
            f'fill="{item.get("colour", "#1f5fbf")}"><title>{escape(item["label"])}: {value:,.2f}</title></rect>'
        )
        if item.get("href"):
            bar = f'<a href="{escape(item["href"])}">{bar}</a>'
        parts.append(bar)
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 18}" text-anchor="middle" font-size="10" '
            f'fill="#374151">{escape(item["label"])}</text>'
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 5}" text-anchor="middle" font-size="10" '
            f'fill="#6b7280">{value:,.0f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart_svg(
    points: list[tuple[str, Decimal | None]],
    *,
    label: str,
    width: int = 560,
    height: int = 160,
    colour: str = "#1f5fbf",
) -> str:
    """One series over time: points are (x label, value or None for a gap)."""
    known = [v for _, v in points if v is not None]
    if not known:
        return ""
    pad_left, pad_bottom, pad_top = 50, 20, 10
    top, bottom = max(known), min(known)
    span = (top - bottom) or Decimal(1)
    plot_w, plot_h = width - pad_left - 10, height - pad_top - pad_bottom
    step = plot_w / max(len(points) - 1, 1)

    def y(value) -> float:
        return pad_top + float((top - value) / span) * plot_h

    path, move = [], "M"
    for index, (_, value) in enumerate(points):
        if value is None:
            move = "M"
            continue
        path.append(f"{move}{pad_left + index * step:.1f},{y(value):.1f}")
        move = "L"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<text x="{pad_left - 6}" y="{y(top) + 4:.1f}" text-anchor="end" font-size="10" fill="#6b7280">{top:,.1f}</text>',
        f'<text x="{pad_left - 6}" y="{y(bottom) + 4:.1f}" text-anchor="end" font-size="10" fill="#6b7280">'
        f"{bottom:,.1f}</text>",
        f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"/>',
    ]
    for index in {0, len(points) - 1}:
        parts.append(
            f'<text x="{pad_left + index * step:.1f}" y="{height - 4}" text-anchor="middle" font-size="10" '
            f'fill="#6b7280">{escape(points[index][0])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
