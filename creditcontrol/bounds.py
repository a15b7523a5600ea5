"""What the product accepts, bounded in one place, so that everything downstream can hold it.

- **Money**: at most 9,999,999,999,999.99 either way (13 integer digits) for one amount: an entry, a
  payment, a credit limit. The stored statistics and KPI totals, which add amounts up, hold 26 integer
  digits: ten billion entries of the largest amount each would not overflow them.
- **Dates**: from 1900-01-01 to 2199-12-31 for every date an entry, a payment, a promise or a setup
  carries; payment terms give at most 3,650 days, so a due date stays a date Python can read.
- **Days in aging bands**: at most 36,500.
- **Codes** (customers, branches, groups, payment terms): printable text on one line.

Each check returns the message a user sees (with the bound in it), or None; forms, serializers, services
and the imports call these.
"""

import datetime
from decimal import Decimal, InvalidOperation

MONEY_MAX = Decimal("9999999999999.99")
MONEY_INTEGER_DIGITS = 13
# Sums of amounts (statistics, KPI totals): numeric(28, 2).
TOTAL_MONEY = {"max_digits": 28, "decimal_places": 2}
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2199, 12, 31)
PAYMENT_TERMS_MAX_DAYS = 3650
BAND_DAYS_MAX = 36500


def money_problem(value) -> str | None:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return f"'{value}' is not an amount."
    if not amount.is_finite() or abs(amount) > MONEY_MAX:
        return f"At most {MONEY_MAX:,} either way."
    return None


def code_problem(code: str) -> str | None:
    """A code (customer, branch, group, payment terms) is one line of printable text: it goes into file
    names, CSV cells and URLs."""
    if any(not character.isprintable() for character in code):
        return "A code cannot hold line breaks, tabs or other control characters."
    return None


def date_problem(value: datetime.date) -> str | None:
    if not DATE_MIN <= value <= DATE_MAX:
        return f"Must be between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."
    return None
