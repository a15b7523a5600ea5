"""A small book with one customer trading through two branches, shared by the branch context's tests.

Company figures (as of today, terms given by due dates):
- MULTI (controller carol, belongs to London): London invoice 1,000.00 posted 120 days ago, due 90 days
  ago; Leeds invoice 400.00 posted 60 days ago, due 30 days ago; Leeds invoice 250.00 posted 5 days ago,
  due in 25 days. Company: balance 1,650.00, overdue 1,400.00. Leeds: balance 650.00, overdue 400.00.
- LONDONER (controller dave, London only): invoice 300.00 posted 50 days ago, due 20 days ago.
Net credit sales of the last 90 days: Leeds 650.00 (DSO 650 / 650 × 90 = 90.00; best possible
250 / 650 × 90 = 34.62); company 950.00 (DSO 1,950 / 950 × 90 = 184.74).
"""

import datetime
from decimal import Decimal

from aging import services as aging_services
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Branch, PaymentTerms
from customers.services import customer_create
from interactions.models import Promise, PromiseStatus, ToDo
from ledger.services import ledger_entry_post


def _days(today, n) -> datetime.date:
    return today - datetime.timedelta(days=n)


def multi_branch_book(tenant, make_member, *, own_customers_only: bool = False) -> dict:
    tenant_initialise(tenant)
    tenant.controllers_own_customers_only = own_customers_only
    tenant.save()
    manager = make_member(tenant, Role.MANAGER, username="mona")
    carol = make_member(tenant, Role.CONTROLLER, username="carol")
    dave = make_member(tenant, Role.CONTROLLER, username="dave")
    today = tenant.today()
    with tenant_context(tenant):
        london = Branch.objects.create(code="LON", name="London")
        leeds = Branch.objects.create(code="LDS", name="Leeds")
        terms, _ = PaymentTerms.objects.get_or_create(code="30D", defaults={"days": 30})
        multi = customer_create(
            code="MULTI", name="Multi Branch Ltd", payment_terms=terms, controller=carol, branch=london
        )
        londoner = customer_create(
            code="LONDONER", name="London Only Ltd", payment_terms=terms, controller=dave, branch=london
        )

        def post(customer, no, branch, posted, due, amount):
            return ledger_entry_post(
                customer=customer,
                document_type="invoice",
                document_no=no,
                external_id=no,
                posting_date=_days(today, posted),
                document_date=_days(today, posted),
                due_date=_days(today, due),
                amount=Decimal(amount),
                branch=branch,
            )

        post(multi, "LON-INV-1", london, 120, 90, "1000.00")
        post(multi, "LDS-INV-1", leeds, 60, 30, "400.00")
        post(multi, "LDS-INV-2", leeds, 5, -25, "250.00")
        post(londoner, "LON-INV-2", london, 50, 20, "300.00")
        aging_services.recalculate_all(trigger="command")
        ToDo.objects.create(
            customer=multi, description="Chase Multi", due_date=_days(today, 1), assigned_to=carol
        )
        ToDo.objects.create(customer=multi, description="Call Multi", due_date=today, assigned_to=manager)
        ToDo.objects.create(
            customer=londoner, description="Call Londoner", due_date=today, assigned_to=manager
        )
        ToDo.objects.create(
            customer=londoner, description="Chase Londoner", due_date=_days(today, -1), assigned_to=dave
        )
        for customer, status, controller, amount in (
            (multi, PromiseStatus.KEPT, carol, "100.00"),
            (multi, PromiseStatus.BROKEN, carol, "110.00"),
            (multi, PromiseStatus.PENDING, carol, "120.00"),
            (londoner, PromiseStatus.PENDING, dave, "130.00"),
        ):
            Promise.objects.create(
                customer=customer,
                controller=controller,
                promised_payment_date=today + datetime.timedelta(days=3),
                promised_amount=Decimal(amount),
                currency_code=tenant.local_currency,
                status=status,
            )
    return {
        "manager": manager,
        "carol": carol,
        "dave": dave,
        "london": london,
        "leeds": leeds,
        "multi": multi,
        "londoner": londoner,
    }
