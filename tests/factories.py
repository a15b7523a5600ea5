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


def invoice(cust, no, posted, amount, **fields):
    return ledger_entry_post(
        customer=cust,
        document_type=DocumentType.INVOICE,
        document_no=no,
        posting_date=D(posted),
        amount=Decimal(amount),
        external_id=no,
        **fields,
    )


def payment(cust, no, posted, amount, **fields):
    return ledger_entry_post(
        customer=cust,
        document_type=DocumentType.PAYMENT,
        document_no=no,
        posting_date=D(posted),
        amount=-Decimal(amount),
        external_id=no,
        **fields,
    )


def credit_memo(cust, no, posted, amount, **fields):
    return ledger_entry_post(
        customer=cust,
        document_type=DocumentType.CREDIT_MEMO,
        document_no=no,
        posting_date=D(posted),
        amount=-Decimal(amount),
        external_id=no,
        **fields,
    )
