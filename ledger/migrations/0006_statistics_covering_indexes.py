"""Three partial covering indexes through which the statistics read every ledger entry once.

Built concurrently, so postings and imports go on while a big ledger is indexed (hence not atomic).
The open-entries index replaces `entry_customer_open_due`: it leads with the tenant and carries what the
open-entry figures read, and still serves a customer's open entries in due-date order.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ledger", "0005_entry_customer_same_tenant"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("is_open", True)),
                fields=["tenant", "customer", "due_date"],
                include=("remaining_amount_lcy", "document_type", "posting_date", "document_date"),
                name="entry_open_customer",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="ledgerentry",
            name="entry_customer_open_due",
        ),
        AddIndexConcurrently(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("is_open", False), models.Q(("document_type", "payment"), _negated=True)),
                fields=["tenant", "customer"],
                include=("settled_by_payment", "posting_date", "due_date", "closed_at", "amount_lcy"),
                name="entry_closed_customer",
            ),
        ),
        AddIndexConcurrently(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("document_type", "payment")),
                fields=["tenant", "customer", "posting_date", "id"],
                include=("amount_lcy", "is_open"),
                name="entry_payment_customer",
            ),
        ),
    ]
