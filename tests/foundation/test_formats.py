"""The one money, number and date format of the pages, per locale, and the one reading of typed amounts."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template

from creditcontrol.formats import (
    amount_delocalise,
    day_text,
    language_for_country,
    moment_text,
    money_text,
    number_text,
)
from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context
from ledger.services import AMOUNT_COMMA, AMOUNT_EXPONENT, AMOUNT_NOT_POSITIVE, amount_parse

GERMAN = "Write the amount as 1.234,56 or 1234,56: a comma before the cents, and thousands separators only between groups of three digits."  # noqa: E501
ENGLISH = "Write the amount as 1,234.56 or 1234.56: a point before the cents, and thousands separators only between groups of three digits."  # noqa: E501


@pytest.mark.parametrize(
    ("language", "money", "negative", "day"),
    [
        ("en-gb", "1,234.56 EUR", "-1,234,567.50", "01/03/2026"),
        ("en-us", "1,234.56 EUR", "-1,234,567.50", "03/01/2026"),
        ("de-de", "1.234,56 EUR", "-1.234.567,50", "01.03.2026"),
        ("fr-fr", "1\xa0234,56 EUR", "-1\xa0234\xa0567,50", "01/03/2026"),
        ("nl-nl", "1.234,56 EUR", "-1.234.567,50", "1-3-2026"),
    ],
)
def test_each_locale_writes_money_and_days_its_way(language, money, negative, day):
    assert money_text(Decimal("1234.56"), "EUR", language=language) == money
    assert money_text(Decimal("-1234567.5"), language=language) == negative
    assert day_text(datetime.date(2026, 3, 1), language=language) == day


def test_money_always_has_two_decimals_and_nothing_for_none():
    assert money_text(Decimal("0"), "GBP", language="en-gb") == "0.00 GBP"
    assert money_text(7, "GBP", language="de-de") == "7,00 GBP"
    assert money_text(None, "GBP") == ""
    assert number_text(12345, 0, language="de-de") == "12.345"
    assert number_text(Decimal("45.30"), None, language="de-de") == "45,30"


def test_the_template_filters_follow_the_current_tenant(db):
    template = Template(
        "{{ a|money:'EUR' }} · {{ d|day }} · {{ m|moment }} · {{ n|number }} · {{ n|number:1 }}"
    )
    context = {
        "a": Decimal("1234.5"),
        "d": datetime.date(2026, 11, 29),
        "m": datetime.datetime(2026, 11, 29, 11, 22, tzinfo=datetime.UTC),
        "n": 1234,
    }
    berlin = Tenant.objects.create(slug="k", name="K", time_zone="Europe/Berlin", language="de-de")
    with tenant_context(berlin):
        assert Template.render(template, Context(context)) == (
            "1.234,50 EUR · 29.11.2026 · 29.11.2026 12:22 · 1.234 · 1.234,0"
        )
    # outside a tenant (the sign-in page, the admin): the default, British English
    assert (
        template.render(Context(context)) == "1,234.50 EUR · 29/11/2026 · 29/11/2026 11:22 · 1,234 · 1,234.0"
    )


@pytest.mark.parametrize(
    ("language", "typed", "read"),
    [
        ("de-de", "1.234,56", ("1234.56", None)),
        ("de-de", "12,50", ("12.50", None)),
        ("de-de", "1234,56", ("1234.56", None)),
        ("de-de", " 1.234.567 ", ("1234567", None)),
        ("de-de", "12.50", (None, GERMAN)),  # a point is a thousands separator here, not a decimal one
        ("de-de", "1.2345,60", (None, GERMAN)),
        ("de-de", "1,234,56", (None, GERMAN)),
        ("de-de", "12,5x", (None, GERMAN)),
        ("en-gb", "1,234.56", ("1234.56", None)),
        ("en-gb", "1234.56", ("1234.56", None)),
        ("en-gb", "12,50", (None, ENGLISH)),
        ("en-us", "12,50", (None, ENGLISH)),
        ("fr-fr", "1 234,56", ("1234.56", None)),
        ("fr-fr", "1\u202f234,56", ("1234.56", None)),
        (
            "fr-fr",
            "12.50",
            (
                None,
                "Write the amount as 1\xa0234,56 or 1234,56: a comma before the cents, and thousands separators only between groups of three digits.",
            ),
        ),  # noqa: E501
        ("nl-nl", "1.234,56", ("1234.56", None)),
        # left to the amount rules, which have their own words for them
        ("de-de", "1e3", ("1e3", None)),
        ("de-de", "-50", ("-50", None)),
    ],
)
def test_typed_amounts_are_read_in_the_tenants_format(language, typed, read):
    assert amount_delocalise(typed, language=language) == read


def test_a_page_amount_goes_through_the_one_parser(db):
    kontor = Tenant.objects.create(slug="kontor", name="Kontor", language="de-de")
    with tenant_context(kontor):
        assert amount_parse("1.234,56", local=True) == (Decimal("1234.56"), None)
        assert amount_parse("12,50", local=True) == (Decimal("12.50"), None)
        assert amount_parse("12.50", local=True) == (None, GERMAN)
        assert amount_parse("1e3", local=True) == (None, AMOUNT_EXPONENT)
        assert amount_parse("-12,50", local=True) == (None, AMOUNT_NOT_POSITIVE)
        assert amount_parse("12,505", local=True) == (
            None,
            "Ensure that there are no more than 2 decimal places.",
        )
        # the API's reading stays the machine one, whatever the tenant's locale
        assert amount_parse("12,50") == (None, AMOUNT_COMMA)
        assert amount_parse("1234.56") == (Decimal("1234.56"), None)


def test_a_new_tenant_takes_its_countrys_formats():
    assert [language_for_country(c) for c in ("DE", "gb", "US", "FR", "NL", "", "JP")] == [
        "de-de",
        "en-gb",
        "en-us",
        "fr-fr",
        "nl-nl",
        "en-gb",
        "en-gb",
    ]


def test_moment_of_a_plain_date_is_its_day():
    assert moment_text(datetime.date(2026, 11, 29), language="de-de") == "29.11.2026"
