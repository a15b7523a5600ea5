"""Local formats: how the pages write and read amounts and dates for the current tenant.

The tenant's `language` (a locale such as `de-de`) decides the decimal and thousands separators and the
date order, using Django's own format tables (`django.conf.locale.<lang>.formats`). One money format
(`1.234,56 EUR` / `1,234.56 EUR`) and one date format (`29.11.2026` / `29/11/2026`; with the time,
`29.11.2026 14:05` in the tenant's zone) serve every page and PDF; the words on the pages stay English,
so Django's translations are not activated, only its formats are read for the tenant's locale.

Machine formats stay machine formats: the API, CSV/Excel exports and import files never pass through
here (`1234.56`, ISO dates), whatever the tenant's locale.
"""

import datetime
import re
import zoneinfo
from decimal import Decimal

from django import forms
from django.db import models
from django.utils import dateformat, numberformat
from django.utils.formats import get_format

DEFAULT_LANGUAGE = "en-gb"


class Language(models.TextChoices):
    """The locales a tenant may choose; each names the formats of one language in one country."""

    EN_GB = "en-gb", "English (United Kingdom): 1,234.56 · 29/11/2026"
    EN_US = "en-us", "English (United States): 1,234.56 · 11/29/2026"
    DE_DE = "de-de", "German (Germany): 1.234,56 · 29.11.2026"
    FR_FR = "fr-fr", "French (France): 1 234,56 · 29/11/2026"
    NL_NL = "nl-nl", "Dutch (Netherlands): 1.234,56 · 29-11-2026"


# A tenant made without a language gets its country's; used by the migration and tenant setup.
COUNTRY_LANGUAGE = {
    "GB": Language.EN_GB,
    "IE": Language.EN_GB,
    "US": Language.EN_US,
    "DE": Language.DE_DE,
    "AT": Language.DE_DE,
    "FR": Language.FR_FR,
    "NL": Language.NL_NL,
}


def language_for_country(country: str) -> str:
    return str(COUNTRY_LANGUAGE.get((country or "").upper(), DEFAULT_LANGUAGE))


def current_language() -> str:
    """The current tenant's locale, or the default outside a tenant (the login page, the admin)."""
    # Imported here: tenancy imports the models, which import this module for `Language`.
    from .tenancy import current_tenant_or_none

    tenant = current_tenant_or_none()
    return getattr(tenant, "language", None) or DEFAULT_LANGUAGE


def _separators(language: str) -> tuple[str, str]:
    return get_format("DECIMAL_SEPARATOR", language), get_format("THOUSAND_SEPARATOR", language)


def number_text(value, decimals: int | None = 2, *, language: str | None = None) -> str:
    """A number in the tenant's format, grouped by thousands: `1.234,56` (de-de), `1,234.56` (en-gb)."""
    if value is None or value == "":
        return ""
    language = language or current_language()
    decimal_sep, thousand_sep = _separators(language)
    return numberformat.format(
        value,
        decimal_sep,
        decimal_pos=decimals,
        grouping=get_format("NUMBER_GROUPING", language),
        thousand_sep=thousand_sep,
        force_grouping=True,
    )


def money_text(value, currency: str | None = None, *, language: str | None = None) -> str:
    """An amount with 2 decimals and, where it is known, its currency code: `1.234,56 EUR`."""
    if value is None or value == "":
        return ""
    text = number_text(value, 2, language=language)
    return f"{text} {currency}" if currency else text


def day_text(value: datetime.date | None, *, language: str | None = None) -> str:
    """A date in the tenant's short format: `29.11.2026` (de-de), `29/11/2026` (en-gb), `11/29/2026` (en-us).

    A date-time is first taken to the tenant's zone, so that an evening in Berlin is not the next day.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = _in_tenant_zone(value).date()
    return dateformat.format(value, get_format("SHORT_DATE_FORMAT", language or current_language()))


def moment_text(value: datetime.datetime | None, *, language: str | None = None) -> str:
    """A date-time in the tenant's zone: the day as `day_text` writes it, then the 24-hour time."""
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime.datetime):
        return day_text(value, language=language)
    local = _in_tenant_zone(value)
    return f"{day_text(local.date(), language=language)} {local:%H:%M}"


def _in_tenant_zone(value: datetime.datetime) -> datetime.datetime:
    from .tenancy import current_tenant_or_none

    if value.tzinfo is None:
        return value
    tenant = current_tenant_or_none()
    if tenant is None:
        return value
    return value.astimezone(zoneinfo.ZoneInfo(tenant.time_zone))


# Django's date format characters and PostgreSQL's `to_char` patterns for the same parts.
_SQL_DATE_PARTS = {"d": "DD", "j": "FMDD", "m": "MM", "n": "FMMM", "Y": "YYYY", "y": "YY"}


def sql_date_pattern(language: str | None = None) -> str:
    """The tenant's short date format as a `to_char` pattern (`DD/MM/YYYY`, `DD.MM.YYYY`), for text written
    by SQL (a reason stored with a row) that must read like the pages' dates."""
    form = get_format("SHORT_DATE_FORMAT", language or current_language())
    return "".join(_SQL_DATE_PARTS.get(char, f'"{char}"' if char.isalpha() else char) for char in form)


def sql_money(expression: str, currency_param: str, language: str | None = None) -> str:
    """An SQL expression writing the amount `expression` as `money_text` does (`1.234,56 GBP`), with the
    currency from the named query parameter."""
    decimal_sep, thousand_sep = _separators(language or current_language())
    return (
        f"translate(to_char({expression}, 'FM999,999,999,999,990.00'), ',.', "
        f"'{thousand_sep.replace(chr(39), '')}{decimal_sep}') || ' ' || %({currency_param})s"
    )


def amount_example(language: str | None = None) -> str:
    return number_text(Decimal("1234.56"), 2, language=language)


def amount_format_problem(language: str | None = None) -> str:
    """What to say when typed text is not an amount in the tenant's format."""
    language = language or current_language()
    decimal_sep, thousand_sep = _separators(language)
    separator = "a comma" if decimal_sep == "," else "a point"
    plain = number_text(Decimal("1234.56"), 2, language=language).replace(thousand_sep, "")
    return (
        f"Write the amount as {amount_example(language)} or {plain}: {separator} before the cents, "
        "and thousands separators only between groups of three digits."
    )


def amount_delocalise(text: str, *, language: str | None = None) -> tuple[str | None, str | None]:
    """Text typed in the tenant's format as machine text: ('1234.56', None), or (None, the message).

    Strict, because `12,50` means 12.50 to a German and 1,250 to an Englishman: a separator is read only
    as the tenant's locale writes it, so the thousands separator must stand between groups of exactly
    three digits and the decimal separator at most once, after them. `12.50` typed for a German tenant
    and `12,50` for an English one are refused with an example of the tenant's format, not guessed at.
    A leading minus and digits in any other shape pass through unchanged, so the amount rules that
    follow (sign, exponent, decimals) still give their own messages.
    """
    language = language or current_language()
    decimal_sep, thousand_sep = _separators(language)
    text = text.strip()
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:].strip()
    # A French tenant's thousands are written with a (narrow) no-break space; a plain space is the same.
    groups = {thousand_sep}
    if thousand_sep in {"\xa0", "\u202f", " "}:
        groups = {"\xa0", "\u202f", " "}
    whole, has_decimals, cents = text.partition(decimal_sep)
    if has_decimals and not cents.isdigit():
        return None, amount_format_problem(language)
    other_decimal = "." if decimal_sep == "," else ","
    if other_decimal in whole and other_decimal not in groups:
        return None, amount_format_problem(language)
    parts = re.split("|".join(re.escape(g) for g in sorted(groups)), whole)
    if len(parts) > 1:
        grouped = (
            parts[0].isdigit() and len(parts[0]) <= 3 and all(p.isdigit() and len(p) == 3 for p in parts[1:])
        )
        if not grouped:
            return None, amount_format_problem(language)
    whole = "".join(parts)
    return (f"{sign}{whole}.{cents}" if has_decimals else f"{sign}{whole}"), None


class AmountTextField(forms.CharField):
    """An amount typed on a page in the tenant's format, handed on as machine text (`1234.56`) for a
    service to parse strictly (`ledger.services.amount_parse`), as the API's text is."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return text
        machine, problem = amount_delocalise(text)
        if problem:
            raise forms.ValidationError(problem, code="invalid")
        return machine


class AmountField(forms.DecimalField):
    """A Decimal typed on a page in the tenant's format (`1.234,56` for de-de), shown back in it."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            value, problem = amount_delocalise(value)
            if problem:
                raise forms.ValidationError(problem, code="invalid")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return number_text(value, self.decimal_places)
        return value

    def widget_attrs(self, widget):
        # Not a number input: a browser's number input refuses `1.234,56`, and says nothing about why.
        return {}
