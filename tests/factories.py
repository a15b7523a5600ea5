"""Builders for test data, inside the current tenant (enter one with tenant_context first)."""

import datetime
from decimal import Decimal

from customers.models import Branch, Customer, PaymentTerms
from customers.services import customer_create
from ledger.models import DocumentType
from ledger.services import ledger_entry_post

D = datetime.date.fromisoformat


def customer(code="C001", name="Crown Fabrics Ltd", **fields) -> Customer:
    if "payment_terms" not in fields:
        fields["payment_terms"], _ = PaymentTerms.objects.get_or_create(code="30D", defaults={"days": 30})
    return customer_create(code=code, name=name, **fields)


def branch(code="LON", name="London") -> Branch:
    return Branch.objects.get_or_create(code=code, defaults={"name": name})[0]


def _entry(document_type, sign, cust, no, posted, amount, **fields):
    return ledger_entry_post(
        customer=cust,
        document_type=document_type,
        document_no=no,
        posting_date=D(posted),
        amount=sign * Decimal(amount),
        external_id=no,
        **fields,
    )


def invoice(cust, no, posted, amount, **fields):
    """An invoice of `amount` (positive), its external id and document no. both `no`."""
    return _entry(DocumentType.INVOICE, 1, cust, no, posted, amount, **fields)


def payment(cust, no, posted, amount, **fields):
    """A payment received of `amount` (given positive, posted negative)."""
    return _entry(DocumentType.PAYMENT, -1, cust, no, posted, amount, **fields)


def credit_memo(cust, no, posted, amount, **fields):
    """A credit memo of `amount` (given positive, posted negative)."""
    return _entry(DocumentType.CREDIT_MEMO, -1, cust, no, posted, amount, **fields)
