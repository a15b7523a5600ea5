"""Every CSV cell the product writes is safe to open in a spreadsheet (creditcontrol.exports.cell)."""

import pytest

from creditcontrol.exports import cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(1;2)", "'+SUM(1;2)"),
        ("-A1", "'-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-50.00", "-50.00"),
        ("+1,250.00", "+1,250.00"),
        ("1-30 days", "1-30 days"),
        ("Over 90 days", "Over 90 days"),
        (None, ""),
        (12, "12"),
    ],
)
def test_a_formula_is_written_as_text_and_a_number_as_a_number(value, written):
    assert cell(value) == written
