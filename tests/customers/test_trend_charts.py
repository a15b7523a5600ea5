"""The dashboard's trend charts: a single point (the first snapshot, or one between gaps) is a visible
marker with its value, not an empty frame."""

import re
from decimal import Decimal

from aging.services import kpi_snapshot_take, recalculate_all
from creditcontrol.charts import line_chart_svg
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from tests import factories


def test_one_point_is_a_marker_with_its_value_and_label_in_the_middle():
    # the plot is 50..550 wide and 18..140 high: the point sits in the middle of both
    svg = line_chart_svg([("29 Nov", Decimal("41.3"))], label="DSO over time")
    assert re.findall(r"<circle [^>]*>", svg) == ['<circle cx="300.0" cy="79.0" r="5" fill="#1f5fbf">']
    assert "<title>29 Nov: 41.3</title>" in svg
    assert re.findall(r'class="point-value">([^<]*)<', svg) == ["41.3"]
    assert re.findall(r'text-anchor="middle" font-size="10" fill="#6b7280">([^<]*)<', svg) == ["29 Nov"]
    assert (
        svg.count(">41.3</text>") == 2
    )  # the scale's one tick (no second tick at the same height) and the label


def test_a_line_shows_markers_and_labels_only_a_point_between_gaps():
    svg = line_chart_svg(
        [("Sep 26", Decimal("90")), ("Oct 26", Decimal("80")), ("Nov 26", None), ("Dec 26", Decimal("85"))],
        label="CEI per month",
    )
    assert len(re.findall(r"<circle ", svg)) == 3
    assert re.findall(r'r="(\d(?:\.\d)?)"', svg) == ["2.5", "2.5", "5"]
    assert re.findall(r'class="point-value">([^<]*)<', svg) == ["85.0"]
    assert line_chart_svg([("Nov 26", None)], label="CEI per month") == ""


def test_the_dashboard_after_the_first_snapshot_shows_its_dso(tenant_a, make_member, client_for):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        customer = factories.customer(code="C1", name="Crown Fabrics")
        factories.invoice(customer, "SI-100", (tenant_a.today().replace(day=1)).isoformat(), "400.00")
        recalculate_all(trigger="command")
        kpi_snapshot_take(as_of=tenant_a.today())  # the first nightly snapshot
    html = client_for(make_member(tenant_a, Role.MANAGER)).get("/t/alpha/").content.decode()
    chart = re.search(r'<svg [^>]*aria-label="DSO over time".*?</svg>', html, re.S)
    assert chart is not None, "no DSO chart after the first snapshot"
    assert len(re.findall(r"<circle ", chart.group(0))) == 1
    assert len(re.findall(r'class="point-value">[\d.,]+<', chart.group(0))) == 1
