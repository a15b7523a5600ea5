"""A branch's entries in the ledger page's order: the branch context cuts the ledger entries page to one
branch by default, which without this index reads and sorts every entry of the tenant. Built concurrently
(hence not atomic), so postings and imports go on while a big ledger is indexed."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ledger", "0008_customer_branch"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="ledgerentry",
            index=models.Index(fields=["tenant", "branch", "posting_date", "id"], name="entry_branch_posting"),
        ),
    ]
