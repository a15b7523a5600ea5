"""Record payment, one service for the page, the balance due row and the API: foreign currency with its LCY
amount, the invoices it pays (ticked, or oldest due first leaving queried ones out), dates, duplicates, and
amounts parsed strictly, with the same messages everywhere.

Tenant B is in EUR (Europe/Berlin); its customer K100 is billed in USD at 0.90 EUR to the dollar."""

import datetime
import re
from decimal import Decimal

import pytest

from aging.services import recalculate_all
from creditcontrol.errors import DomainError
from creditcontrol.formats import amount_format_problem
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from interactions.models import StatusCode
from interactions.services import entries_update, interaction_create, status_codes_seed_defaults
from ledger.models import Application, DocumentType, LedgerEntry
from ledger.services import (
    AMOUNT_COMMA,
    AMOUNT_EXPONENT,
    AMOUNT_NOT_A_NUMBER,
    AMOUNT_NOT_POSITIVE,
    amount_parse,
    payment_record,
)
from tests import factories
from tests.factories import D

HTMX = {"HTTP_HX_REQUEST": "true"}
BOUNDS = "At most 9,999,999,999,999.99 either way."

REFUSED_AMOUNTS = [
    ("1e3", AMOUNT_EXPONENT),
    ("-50", AMOUNT_NOT_POSITIVE),
    ("12,50", AMOUNT_COMMA),
    ("12345678901234567890", BOUNDS),
    ("lots", AMOUNT_NOT_A_NUMBER),
]
# A page reads the amount in the tenant's format first (en-gb here): `12,50` is no English amount either,
# and the page says how to write one (docs/workspace.md, "Formats").
PAGE_REFUSED_AMOUNTS = [
    (typed, amount_format_problem("en-gb") if message == AMOUNT_COMMA else message)
    for typed, message in REFUSED_AMOUNTS
]


@pytest.fixture
def book(tenant_b, make_member, client, api_for):
    tenant_initialise(tenant_b)
    controller = make_member(tenant_b, Role.CONTROLLER, username="carol")
    with tenant_context(tenant_b):
        status_codes_seed_defaults()
        kestrel = factories.customer(code="K100", name="Kestrel Motors Inc", currency_code="USD")
        local = factories.customer(code="H200", name="Hafen Lebensmittel GmbH")
        si1 = factories.invoice(kestrel, "SI-1001", "2026-01-10", "300.00", amount_lcy="270.00")  # due 02-09
        si2 = factories.invoice(kestrel, "SI-1002", "2026-01-20", "200.00", amount_lcy="180.00")  # due 02-19
        si3 = factories.invoice(kestrel, "SI-1003", "2026-02-01", "400.00", amount_lcy="360.00")  # due 03-03
        factories.invoice(local, "SI-2001", "2026-01-15", "500.00")
        recalculate_all(trigger="command")
    client.force_login(controller)
    return {
        "tenant": tenant_b,
        "controller": controller,
        "client": client,
        "api": api_for(controller),
        "kestrel": kestrel,
        "local": local,
        "si1": si1,
        "si2": si2,
        "si3": si3,
    }


def _remaining(book) -> dict[str, tuple[str, str]]:
    with tenant_context(book["tenant"]):
        return {
            e.document_no: (str(e.remaining_amount), str(e.remaining_amount_lcy))
            for e in LedgerEntry.objects.filter(customer=book["kestrel"], document_type=DocumentType.INVOICE)
        }


def _payments(book, customer=None) -> list[tuple[str, str, str, str]]:
    with tenant_context(book["tenant"]):
        return [
            (p.document_no, str(p.amount), str(p.amount_lcy), str(p.remaining_amount))
            for p in LedgerEntry.objects.filter(
                customer=customer or book["kestrel"], document_type=DocumentType.PAYMENT
            ).order_by("pk")
        ]


def _record(book, **fields):
    arguments = {"customer": book["kestrel"], "posting_date": D("2026-03-10"), "document_no": "BANK-1"}
    with tenant_context(book["tenant"]):
        return payment_record(**{**arguments, **fields})


def _refusal(book, **fields) -> DomainError:
    with pytest.raises(DomainError) as raised:
        _record(book, **fields)
    return raised.value


def _dispute(book, entry):
    with tenant_context(book["tenant"]):
        call = interaction_create(
            customer=book["kestrel"], user=book["controller"], description="Disputed", entry_ids=[entry.pk]
        )
        entries_update(
            interaction=call,
            user=book["controller"],
            status_code=StatusCode.objects.get(code="DISPUTED"),
            entry_ids=[entry.pk],
        )


# --- the service -------------------------------------------------------------------------------------


def test_a_usd_payment_on_a_eur_tenant_pays_the_two_ticked_invoices_only(book):
    recorded = _record(book, amount="600.00", amount_lcy="540.00", apply_to=[book["si1"].pk, book["si3"].pk])

    assert recorded.summary == (
        "Payment BANK-1 of 600.00 USD recorded: paid SI-1001 (300.00), SI-1003 (300.00)."
    )
    assert _remaining(book) == {
        "SI-1001": ("0.00", "0.00"),
        "SI-1002": ("200.00", "180.00"),
        "SI-1003": ("100.00", "90.00"),
    }
    assert _payments(book) == [("BANK-1", "-600.00", "-540.00", "0.00")]


def test_the_ticked_order_is_the_order_paid_and_the_rest_stays_on_account(book):
    recorded = _record(book, amount="450.00", amount_lcy="405.00", apply_to=[book["si3"].pk, book["si1"].pk])

    assert recorded.summary == (
        "Payment BANK-1 of 450.00 USD recorded: paid SI-1003 (400.00), SI-1001 (50.00)."
    )
    on_account = _record(
        book, amount="1000.00", amount_lcy="900.00", document_no="BANK-2", apply_to=[book["si2"].pk]
    )
    assert on_account.summary == (
        "Payment BANK-2 of 1,000.00 USD recorded: paid SI-1002 (200.00); 800.00 left on account."
    )
    nothing = _record(book, amount="10.00", amount_lcy="9.00", document_no="BANK-3", apply_to=[])
    assert nothing.summary == "Payment BANK-3 of 10.00 USD recorded: 10.00 left on account."
    assert _payments(book) == [
        ("BANK-1", "-450.00", "-405.00", "0.00"),
        ("BANK-2", "-1000.00", "-900.00", "-800.00"),
        ("BANK-3", "-10.00", "-9.00", "-10.00"),
    ]


def test_entries_that_cannot_take_the_payment_are_named(book):
    with tenant_context(book["tenant"]):
        other = factories.invoice(book["local"], "SI-2002", "2026-01-15", "50.00")
        eur = factories.invoice(book["kestrel"], "SI-1004", "2026-01-15", "50.00", currency_code="EUR")
    error = _refusal(
        book,
        amount="100.00",
        amount_lcy="90.00",
        apply_to=[other.pk, eur.pk, book["si1"].pk, book["si1"].pk, 10**12],
    )
    assert error.details == {
        "apply_to": [
            f"Entry {book['si1'].pk} is ticked twice.",
            f"Entry {other.pk} is not an entry of K100.",
            f"Entry {eur.pk} (SI-1004) is in EUR, the payment in USD.",
            f"Entry {10**12} is not an entry of K100.",
        ]
    }
    assert _payments(book) == []


def test_a_partial_payment_leaves_the_disputed_invoice_out_and_says_so(book):
    _dispute(book, book["si1"])

    recorded = _record(book, amount="250.00", amount_lcy="225.00")

    assert recorded.summary == (
        "Payment BANK-1 of 250.00 USD recorded: paid SI-1002 (200.00), SI-1003 (50.00); "
        "SI-1001 left out: disputed."
    )
    assert [(left.entry.document_no, left.reason) for left in recorded.left_out] == [("SI-1001", "disputed")]
    assert _remaining(book) == {
        "SI-1001": ("300.00", "270.00"),
        "SI-1002": ("0.00", "0.00"),
        "SI-1003": ("350.00", "315.00"),
    }


def test_a_disputed_invoice_ticked_by_the_controller_is_paid(book):
    _dispute(book, book["si1"])

    recorded = _record(book, amount="300.00", amount_lcy="270.00", apply_to=[book["si1"].pk])

    assert recorded.summary == "Payment BANK-1 of 300.00 USD recorded: paid SI-1001 (300.00)."
    assert _remaining(book)["SI-1001"] == ("0.00", "0.00")


def test_a_foreign_payment_needs_its_lcy_amount_near_the_usual_rate(book):
    assert _refusal(book, amount="100.00").details == {
        "amount_lcy": ["Give the amount in local currency at the posting rate."]
    }
    assert _refusal(book, amount="100.00", amount_lcy="9000.00").details == {
        "amount_lcy": [
            "9,000.00 EUR for 100.00 USD is a rate of 90.0000, more than 10 times away from the rate of "
            "K100's open USD entries (0.9000): check the amount in EUR."
        ]
    }
    assert _refusal(book, amount="100.00", amount_lcy="0").details == {"amount_lcy": [AMOUNT_NOT_POSITIVE]}
    assert _payments(book) == []
    _record(book, amount="100.00", amount_lcy="95.00")  # a rate that moved a little is taken
    assert _payments(book) == [("BANK-1", "-100.00", "-95.00", "0.00")]


def test_a_local_payment_is_its_own_lcy_amount(book):
    with tenant_context(book["tenant"]):
        recorded = payment_record(
            customer=book["local"], amount="120.00", posting_date=D("2026-03-10"), document_no="BANK-9"
        )
    assert recorded.summary == "Payment BANK-9 of 120.00 EUR recorded: paid SI-2001 (120.00)."
    assert _payments(book, book["local"]) == [("BANK-9", "-120.00", "-120.00", "0.00")]


def test_a_payment_dated_in_the_future_is_refused(book):
    today = book["tenant"].today()
    tomorrow = today + datetime.timedelta(days=1)

    error = _refusal(book, amount="10.00", amount_lcy="9.00", posting_date=tomorrow)

    assert error.details == {
        "posting_date": [f"A payment cannot be dated after today ({today.isoformat()})."]
    }
    assert _payments(book) == []
    _record(book, amount="10.00", amount_lcy="9.00", posting_date=today)  # today itself is fine
    assert len(_payments(book)) == 1


def test_a_payment_dated_before_the_customers_first_entry_is_refused(book):
    error = _refusal(book, amount="10.00", amount_lcy="9.00", posting_date=D("1990-01-01"))

    assert error.details == {
        "posting_date": ["K100's first entry is dated 2026-01-10: a payment cannot be dated before it."]
    }
    assert _payments(book) == []


def test_the_same_reference_and_amount_asks_to_confirm_then_records(book):
    _record(book, amount="100.00", amount_lcy="90.00", document_no="BANK-7", posting_date=D("2026-03-01"))

    error = _refusal(
        book, amount="100.00", amount_lcy="90.00", document_no="bank-7", posting_date=D("2026-03-15")
    )

    assert error.code == "possible_duplicate"
    assert error.message == (
        "Payment BANK-7 of 100.00 USD was already recorded for K100 on 2026-03-01. "
        "Record it again only if it is a second payment."
    )
    assert error.details["earlier_payment"]["posting_date"] == "2026-03-01"
    assert len(_payments(book)) == 1
    _record(
        book,
        amount="100.00",
        amount_lcy="90.00",
        document_no="BANK-7",
        posting_date=D("2026-03-15"),
        confirm_duplicate=True,
    )
    assert [p[0] for p in _payments(book)] == ["BANK-7", "BANK-7"]
    # Another amount, or 91 days later, is another payment.
    _record(book, amount="100.01", amount_lcy="90.01", document_no="BANK-7", posting_date=D("2026-03-15"))
    _record(book, amount="100.00", amount_lcy="90.00", document_no="BANK-7", posting_date=D("2026-06-15"))
    assert len(_payments(book)) == 4


@pytest.mark.parametrize(("typed", "message"), REFUSED_AMOUNTS)
def test_amounts_are_parsed_strictly(book, typed, message):
    assert amount_parse(typed) == (None, message)
    assert _refusal(book, amount=typed, amount_lcy="9.00").details == {"amount": [message]}
    assert _payments(book) == []


def test_what_an_amount_may_be(book):
    assert amount_parse("1000") == (Decimal("1000.00"), None)
    assert amount_parse(" 12.5 ") == (Decimal("12.50"), None)
    assert amount_parse(Decimal("9999999999999.99")) == (Decimal("9999999999999.99"), None)
    assert amount_parse("12.345") == (None, "Ensure that there are no more than 2 decimal places.")
    assert amount_parse("0.00") == (None, AMOUNT_NOT_POSITIVE)
    assert amount_parse("1,000.00") == (None, AMOUNT_COMMA)
    assert amount_parse(1.5) == (None, "Give the amount as text or a Decimal, never a float.")


# --- the page ------------------------------------------------------------------------------------------


def _styled_page(html: str) -> None:
    assert html.startswith("<!doctype html>")
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert "<h1>Record a payment" in html


def _page(book, customer=None) -> str:
    return f"/t/{book['tenant'].slug}/customers/{(customer or book['kestrel']).pk}/record-payment/"


def _ticked(html: str) -> list[str]:
    return re.findall(
        r'<input type="checkbox" name="apply_to" value="(\d+)" id="pay-\d+" [^>]* checked>', html
    )


def test_the_page_lists_the_open_invoices_ticking_the_default_and_saying_why_one_is_left_out(book):
    _dispute(book, book["si1"])

    response = book["client"].get(_page(book))

    assert response.status_code == 200
    html = response.content.decode()
    _styled_page(html)
    assert _ticked(html) == [str(book["si2"].pk), str(book["si3"].pk)]
    assert re.findall(r"<label for=\"pay-\d+\">([^<]+)</label>", html) == ["SI-1001", "SI-1002", "SI-1003"]
    assert "Left out: disputed" in html
    assert 'name="amount_lcy"' in html and "Amount in EUR" in html
    assert "<option selected>USD</option>" in html


def test_the_page_records_a_usd_payment_against_the_two_ticked_invoices(book):
    response = book["client"].post(
        _page(book),
        {
            "choose": "on",
            "amount": "600.00",
            "amount_lcy": "540.00",
            "currency_code": "USD",
            "posting_date": "2026-03-10",
            "document_no": "BANK-1",
            "apply_to": [str(book["si1"].pk), str(book["si3"].pk)],
        },
        follow=True,
    )

    assert response.redirect_chain == [(_page(book), 302)]
    html = response.content.decode()
    assert (
        '<li class="success">Payment BANK-1 of 600.00 USD recorded: paid SI-1001 (300.00), SI-1003 (300.00).</li>'
        in html
    )
    assert _remaining(book) == {
        "SI-1001": ("0.00", "0.00"),
        "SI-1002": ("200.00", "180.00"),
        "SI-1003": ("100.00", "90.00"),
    }
    assert re.search(r'data-figure="balance">270.00 EUR<', html)  # 180.00 + 90.00 EUR, refreshed at once


def test_the_page_with_nothing_ticked_leaves_the_payment_on_account(book):
    response = book["client"].post(
        _page(book),
        {
            "choose": "on",
            "amount": "50.00",
            "amount_lcy": "45.00",
            "posting_date": "2026-03-10",
            "document_no": "B",
        },
        follow=True,
    )
    assert "Payment B of 50.00 USD recorded: 50.00 left on account." in response.content.decode()
    assert _payments(book) == [("B", "-50.00", "-45.00", "-50.00")]


@pytest.mark.parametrize(("typed", "message"), PAGE_REFUSED_AMOUNTS)
def test_the_page_shows_a_refused_amount_inline(book, typed, message):
    response = book["client"].post(
        _page(book),
        {
            "choose": "on",
            "amount": typed,
            "amount_lcy": "9.00",
            "posting_date": "2026-03-10",
            "document_no": "BANK-1",
            "apply_to": [str(book["si3"].pk)],
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    _styled_page(html)
    assert f'<span class="field-error" id="amount-error" data-field="amount">{message}</span>' in html
    assert f'value="{typed}"' in html  # what was typed stays, and so do the ticks
    assert _ticked(html) == [str(book["si3"].pk)]
    assert _payments(book) == []


def test_the_page_refuses_a_future_date_and_one_before_the_first_entry_inline(book):
    today = book["tenant"].today()
    body = {"choose": "on", "amount": "10.00", "amount_lcy": "9.00", "document_no": "BANK-1"}
    future = book["client"].post(
        _page(book), {**body, "posting_date": str(today + datetime.timedelta(days=1))}
    )
    early = book["client"].post(_page(book), {**body, "posting_date": "1990-01-01"})

    assert (future.status_code, early.status_code) == (400, 400)
    assert (
        '<span class="field-error" id="posting_date-error" data-field="posting_date">'
        f"A payment cannot be dated after today ({today.isoformat()}).</span>"
    ) in future.content.decode()
    assert (
        '<span class="field-error" id="posting_date-error" data-field="posting_date">'
        "K100&#x27;s first entry is dated 2026-01-10: a payment cannot be dated before it.</span>"
    ) in early.content.decode()
    assert _payments(book) == []


def test_the_page_asks_to_confirm_a_duplicate_and_records_it_anyway(book):
    _record(book, amount="100.00", amount_lcy="90.00", document_no="BANK-7", posting_date=D("2026-03-01"))
    body = {
        "choose": "on",
        "amount": "100.00",
        "amount_lcy": "90.00",
        "posting_date": "2026-03-05",
        "document_no": "BANK-7",
    }

    asked = book["client"].post(_page(book), body)

    assert asked.status_code == 400
    html = asked.content.decode()
    _styled_page(html)
    assert "Payment BANK-7 of 100.00 USD was already recorded for K100 on 2026-03-01." in html
    assert (
        '<button type="submit" name="confirm_duplicate" value="on" class="primary">Record anyway</button>'
        in html
    )
    assert len(_payments(book)) == 1

    recorded = book["client"].post(_page(book), {**body, "confirm_duplicate": "on"})
    assert recorded.status_code == 302
    assert len(_payments(book)) == 2


def test_another_tenants_customer_is_a_404_on_the_page(book, tenant_a, make_member, client):
    client.force_login(make_member(tenant_a, Role.ADMIN, username="alpha-admin"))
    other = f"/t/{tenant_a.slug}/customers/{book['kestrel'].pk}/record-payment/"
    assert client.get(other).status_code == 404
    assert client.post(other, {"amount": "1.00"}).status_code == 404


def test_a_viewer_does_not_get_the_page(book, make_member, client):
    client.force_login(make_member(book["tenant"], Role.VIEWER, username="vera"))
    assert client.get(_page(book)).status_code == 403


# --- the balance due row ------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "message"), PAGE_REFUSED_AMOUNTS)
def test_the_row_shows_a_refused_amount_next_to_its_field(book, typed, message):
    pk = book["kestrel"].pk
    response = book["client"].post(
        _page(book),
        {"amount": typed, "amount_lcy": "9.00", "posting_date": "2026-03-10", "document_no": "BANK-1"},
        **HTMX,
    )

    assert response.status_code == 422  # the status base.html lets htmx swap: the row, never the page
    html = response.content.decode().strip()
    assert html.startswith(f'<tr id="bd-{pk}" data-customer="{pk}">')
    assert f'<span class="field-error" id="bd-{pk}-amount-error" data-field="amount">{message}</span>' in html
    assert _payments(book) == []


def test_the_row_says_what_the_payment_paid_and_what_it_left_out(book):
    _dispute(book, book["si1"])
    pk = book["kestrel"].pk

    response = book["client"].post(
        _page(book),
        {"amount": "250.00", "amount_lcy": "225.00", "posting_date": "2026-03-10", "document_no": "BANK-8"},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<div class="muted" role="status">Payment BANK-8 of 250.00 USD recorded: paid SI-1002 (200.00), '
        "SI-1003 (50.00); SI-1001 left out: disputed.</div>"
    ) in html
    assert re.search(r'data-figure="balance"><a [^>]*>585.00 EUR</a>', html)  # 810.00 - 225.00 EUR
    assert html.strip().startswith(f'<tr id="bd-{pk}"')


def test_the_row_asks_to_confirm_a_duplicate(book):
    _record(book, amount="100.00", amount_lcy="90.00", document_no="BANK-7", posting_date=D("2026-03-01"))
    body = {"amount": "100.00", "amount_lcy": "90.00", "posting_date": "2026-03-05", "document_no": "BANK-7"}

    asked = book["client"].post(_page(book), body, **HTMX)

    assert asked.status_code == 422
    html = asked.content.decode()
    assert "was already recorded for K100 on 2026-03-01" in html
    assert '<button type="submit" name="confirm_duplicate" value="on">Record anyway</button>' in html
    recorded = book["client"].post(_page(book), {**body, "confirm_duplicate": "on"}, **HTMX)
    assert recorded.status_code == 200
    assert len(_payments(book)) == 2


# --- the API --------------------------------------------------------------------------------------------


@pytest.fixture
def api(book):
    return book["api"]


def _api_url(book) -> str:
    return f"/api/t/{book['tenant'].slug}/entries/record-payment/"


def test_the_api_records_a_usd_payment_against_two_chosen_invoices(book, api):
    response = api.post(
        _api_url(book),
        {
            "customer": book["kestrel"].pk,
            "amount": "600.00",
            "amount_lcy": "540.00",
            "posting_date": "2026-03-10",
            "document_no": "BANK-1",
            "apply_to": [book["si1"].pk, book["si3"].pk],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["summary"] == "Payment BANK-1 of 600.00 USD recorded: paid SI-1001 (300.00), SI-1003 (300.00)."
    )
    assert body["paid"] == [
        {"entry_no": book["si1"].pk, "document_no": "SI-1001", "amount": "300.00"},
        {"entry_no": book["si3"].pk, "document_no": "SI-1003", "amount": "300.00"},
    ]
    assert (body["on_account"], body["left_out"]) == ("0.00", [])
    assert (body["payment"]["currency_code"], body["payment"]["amount_lcy"]) == ("USD", "-540.00")
    assert _remaining(book)["SI-1003"] == ("100.00", "90.00")


def test_the_api_says_which_invoice_it_left_out(book, api):
    _dispute(book, book["si1"])
    response = api.post(
        _api_url(book),
        {
            "customer": book["kestrel"].pk,
            "amount": "250.00",
            "amount_lcy": "225.00",
            "posting_date": "2026-03-10",
            "document_no": "BANK-8",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["left_out"] == [
        {"entry_no": book["si1"].pk, "document_no": "SI-1001", "reason": "disputed"}
    ]


@pytest.mark.parametrize(("typed", "message"), REFUSED_AMOUNTS)
def test_the_api_refuses_a_bad_amount_naming_the_field(book, api, typed, message):
    body = {
        "customer": book["kestrel"].pk,
        "amount": typed,
        "amount_lcy": "9.00",
        "posting_date": "2026-03-10",
        "document_no": "B",
    }

    response = api.post(_api_url(book), body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"amount: {message}",
        "code": "invalid",
        "errors": {"amount": [message]},
    }
    assert _payments(book) == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1e3", AMOUNT_EXPONENT),
        ("-50", AMOUNT_NOT_POSITIVE),
        ("12345678901234567890", BOUNDS),
        ("1.005", "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_the_api_reads_a_json_number_as_written(book, api, raw, message):
    text = (
        f'{{"customer": {book["kestrel"].pk}, "amount": {raw}, "amount_lcy": "9.00", '
        '"posting_date": "2026-03-10", "document_no": "B"}'
    )
    response = api.generic("POST", _api_url(book), text, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"amount": [message]}


def test_the_api_asks_to_confirm_a_duplicate_then_records_it(book, api):
    body = {
        "customer": book["kestrel"].pk,
        "amount": "100.00",
        "amount_lcy": "90.00",
        "posting_date": "2026-03-05",
        "document_no": "BANK-7",
    }
    assert api.post(_api_url(book), {**body, "posting_date": "2026-03-01"}, format="json").status_code == 201

    asked = api.post(_api_url(book), body, format="json")

    assert asked.status_code == 400
    answer = asked.json()
    assert answer["code"] == "possible_duplicate"
    assert answer["errors"]["earlier_payment"]["posting_date"] == "2026-03-01"
    assert answer["errors"]["confirm_duplicate"] == [answer["detail"]]
    assert api.post(_api_url(book), {**body, "confirm_duplicate": True}, format="json").status_code == 201
    assert len(_payments(book)) == 2


def test_the_api_refuses_dates_and_entries_naming_the_field(book, api):
    today = book["tenant"].today()
    body = {"customer": book["kestrel"].pk, "amount": "10.00", "amount_lcy": "9.00", "document_no": "B"}
    future = api.post(
        _api_url(book), {**body, "posting_date": str(today + datetime.timedelta(days=1))}, format="json"
    )
    early = api.post(_api_url(book), {**body, "posting_date": "1990-01-01"}, format="json")
    foreign = api.post(
        _api_url(book), {**body, "posting_date": "2026-03-10", "apply_to": [10**12]}, format="json"
    )

    assert future.json()["errors"] == {
        "posting_date": [f"A payment cannot be dated after today ({today.isoformat()})."]
    }
    assert early.json()["errors"] == {
        "posting_date": ["K100's first entry is dated 2026-01-10: a payment cannot be dated before it."]
    }
    assert foreign.json()["errors"] == {"apply_to": [f"Entry {10**12} is not an entry of K100."]}
    with tenant_context(book["tenant"]):
        assert not Application.objects.exists()
