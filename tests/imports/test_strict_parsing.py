"""Import parsing is strict: what a spreadsheet or a hand edit can slip into a file is a row error with its
line, never rows silently swallowed or a server error, on every path (page, command, API)."""

from .helpers import counts, run_import


def _errors(result) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in result.errors]


def test_a_stray_quote_is_an_error_on_its_row_not_rows_swallowed(in_tenant):
    result = run_import("customers", 'code,name\nQA1,"Alpha\nQB1,Beta\nQC1,Gamma\n')
    assert _errors(result) == [
        (2, "", 'A quoted field that starts on this row is never closed: look for a stray ".')
    ]
    assert counts()["customers"] == 0


def test_a_quote_in_the_middle_of_a_field_is_an_error(in_tenant):
    result = run_import("customers", 'code,name\nQA1,"Al"pha"\nQB1,Beta\n')
    assert _errors(result) == [(2, "", "The file is not valid CSV: ',' expected after '\"'.")]
    assert counts()["customers"] == 0


def test_a_quoted_line_break_is_still_a_field(in_tenant):
    result = run_import("customers", 'code,name,address\nQA1,Alpha,"1 High Street\nLondon"\nQB1,Beta,\n')
    assert result.ok and counts()["customers"] == 2


def test_digits_of_other_scripts_are_not_amounts_or_dates(in_tenant):
    run_import("customers", "code,name\nC1,Crown Fabrics\n")
    result = run_import(
        "entries",
        "external_id,customer,document_type,document_no,posting_date,amount\n"
        "E1,C1,invoice,SI1,2026-01-10,١٢٣.٠٠\n"
        "E2,C1,invoice,SI2,٢٠٢٦-01-10,10.00\n",
    )
    assert _errors(result) == [
        (
            2,
            "amount",
            "'١٢٣.٠٠' is not an amount: use digits with at most 2 decimals and a '.' (e.g. -1234.50).",
        ),
        (3, "posting_date", "'٢٠٢٦-01-10' is not a date: use YYYY-MM-DD."),
    ]
    assert counts()["entries"] == 0


def test_a_nul_byte_is_an_error_on_its_line(in_tenant):
    result = run_import("customers", "code,name\nN1,Fine\nN2,a\x00b\n")
    assert _errors(result) == [(3, "", "A NUL character cannot be stored: remove it.")]
    assert counts()["customers"] == 0
