"""The variables a message template may use, and the one way they are filled in.

A template is text with variables in double braces, `{{ customer.name }}`. Nothing else is evaluated: no
tags, filters, attribute lookups or calls, so a tenant's template reaches exactly the values of
`CATALOGUE`, computed here for one customer, and nothing of the application or of another tenant.
`template_problems` names every unknown variable (and any other brace construct) before a template is
saved; rendering leaves nothing to chance either way.
"""

import datetime
import re
from decimal import Decimal

from creditcontrol.formats import day_text, money_text
from customers.models import Contact, Customer

from .statements import Statement

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
BRACES = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)

# name -> what it is (the page's list of variables, and docs/messaging.md)
CATALOGUE: dict[str, str] = {
    "customer.code": "The customer's number",
    "customer.name": "The customer's name",
    "customer.address": "The customer's address",
    "contact.name": "The contact the message goes to (else the customer's name)",
    "contact.email": "The contact's e-mail address",
    "balance": "The balance per currency, e.g. 1,234.56 EUR (in your number format)",
    "overdue": "The overdue balance per currency",
    "open_items": "The open items as a table: document no., dates, amount, remaining, days overdue",
    "overdue_items": "The overdue items only, as a table",
    "as_of": "The statement's date (in your date format)",
    "today": "Today's date",
    "controller.name": "The customer's credit controller",
    "controller.email": "The controller's e-mail address",
    "company.name": "Your company's name (the letterhead's)",
    "company.address": "Your company's address",
    "company.bank_details": "Where to pay",
    "company.remittance": "The remittance note",
    "reminder.level": "Reminders: the level reached (1, 2, ...)",
    "reminder.name": "Reminders: the level's name, e.g. Second reminder",
    "reminder.items": "Reminders: the items chased, as a table with the level each reaches",
    "reminder.fee": "Reminders: the level's fee, if it has one",
}


def template_problems(*texts: str) -> list[str]:
    """What is wrong with template texts: unknown variables and braces that are not a variable."""
    problems = []
    for text in texts:
        for match in BRACES.finditer(text or ""):
            variable = VARIABLE.fullmatch(match.group(0))
            if variable is None:
                problems.append(f"Only variables in double braces are allowed, not {match.group(0)[:40]}.")
            elif variable.group(1) not in CATALOGUE:
                problems.append(f"Unknown variable {{{{ {variable.group(1)} }}}}.")
    return list(dict.fromkeys(problems))


def render(text: str, values: dict[str, str]) -> str:
    """`text` with each variable replaced by its value (an unknown one is left as written)."""
    return VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), text or "")


def money(amount: Decimal, currency: str) -> str:
    return money_text(amount, currency)


def day(value: datetime.date | None) -> str:
    return day_text(value)


def _per_currency(statement: Statement, figure: str) -> str:
    parts = [money(getattr(section, figure), section.currency) for section in statement.sections]
    return "; ".join(parts) if parts else money(Decimal("0.00"), statement.customer.currency_code or "")


def _items_table(statement: Statement, *, overdue_only: bool) -> str:
    rows = [("Document", "Date", "Due", "Amount", "Remaining", "Days overdue")]
    for section in statement.sections:
        for line in section.lines + section.credits:
            if overdue_only and not line.overdue:
                continue
            rows.append(
                (
                    line.document_no,
                    day(line.document_date),
                    day(line.due_date),
                    money(line.amount, section.currency),
                    money(line.remaining, section.currency),
                    str(line.days_overdue) if line.days_overdue else "",
                )
            )
    return text_table(rows, right={3, 4, 5})


def text_table(rows: list[tuple[str, ...]], *, right: set[int]) -> str:
    """Rows (the first one the heading) as a plain-text table, columns in `right` aligned right."""
    if len(rows) == 1:
        return "(none)"
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    )


def values_for(
    *,
    customer: Customer,
    contact: Contact | None,
    statement: Statement,
    letterhead,
    today: datetime.date,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Every variable of the catalogue, for one customer (and its open-item statement); `extra` fills the
    variables of one purpose (a reminder's), which are otherwise empty."""
    controller = customer.controller
    return {
        "reminder.level": "",
        "reminder.name": "",
        "reminder.items": "",
        "reminder.fee": "",
        **(extra or {}),
        "customer.code": customer.code,
        "customer.name": customer.name,
        "customer.address": customer.address,
        "contact.name": contact.name if contact else customer.name,
        "contact.email": contact.email if contact else customer.email,
        "balance": _per_currency(statement, "balance"),
        "overdue": _per_currency(statement, "overdue"),
        "open_items": _items_table(statement, overdue_only=False),
        "overdue_items": _items_table(statement, overdue_only=True),
        "as_of": day(statement.as_of),
        "today": day(today),
        "controller.name": (controller.get_full_name() or controller.get_username()) if controller else "",
        "controller.email": controller.email if controller else "",
        "company.name": letterhead.company_name or letterhead.tenant.name,
        "company.address": letterhead.address,
        "company.bank_details": letterhead.bank_details,
        "company.remittance": letterhead.remittance,
    }
