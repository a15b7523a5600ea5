"""Server-side SVG charts (the same markup can go into PDFs)."""

from decimal import Decimal

from django.utils.html import escape


def credit_review_svg(points: list[dict], *, width: int = 640, height: int = 220, currency: str = "") -> str:
    """Credit limit (step line) against balance (bars) at each month end."""
    if not points:
        return ""
    pad_left, pad_right, pad_top, pad_bottom = 70, 10, 12, 28
    values = [p["balance"] for p in points] + [p["limit"] for p in points if p["limit"] is not None]
    top = max([Decimal(0), *values]) or Decimal(1)
    bottom = min([Decimal(0), *values])
    span = (top - bottom) or Decimal(1)
    plot_w, plot_h = width - pad_left - pad_right, height - pad_top - pad_bottom
    step = plot_w / len(points)

    def y(value) -> float:
        return pad_top + float((top - value) / span) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Credit limit against balance">',
        f'<line x1="{pad_left}" y1="{y(0):.1f}" x2="{width - pad_right}" y2="{y(0):.1f}" stroke="#9aa3af"/>',
    ]
    for tick in (top, (top + bottom) / 2, bottom):
        parts.append(
            f'<text x="{pad_left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="#6b7280">{tick:,.0f}</text>'
        )
    limit_path, previous_limit = [], None
    for i, point in enumerate(points):
        x = pad_left + i * step
        bar_top, bar_bottom = sorted((y(point["balance"]), y(0)))
        colour = "#b42318" if point["limit"] is not None and point["balance"] > point["limit"] else "#1f5fbf"
        parts.append(
            f'<rect x="{x + step * 0.2:.1f}" y="{bar_top:.1f}" width="{step * 0.6:.1f}" '
            f'height="{max(bar_bottom - bar_top, 0.5):.1f}" fill="{colour}">'
            f"<title>{point['date']:%d %b %Y}: balance {point['balance']:,.2f} {escape(currency)}</title></rect>"
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="10" '
            f'fill="#6b7280">{point["date"]:%b %y}</text>'
        )
        if point["limit"] is not None:  # no limit: a gap in the line
            move = "M" if previous_limit is None else "L"
            limit_path.append(
                f"{move}{x:.1f},{y(point['limit']):.1f} L{x + step:.1f},{y(point['limit']):.1f}"
            )
        previous_limit = point["limit"]
    path = " ".join(limit_path)
    if path:
        parts.append(
            f'<path d="{path}" fill="none" stroke="#1a7f37" stroke-width="2"><title>Credit limit</title></path>'
        )
    parts.append("</svg>")
    return "".join(parts)
