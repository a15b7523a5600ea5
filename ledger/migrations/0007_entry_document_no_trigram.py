"""A trigram index for finding an entry by part of its document number (see creditcontrol/trigram.py)."""

from django.db import migrations

from creditcontrol import trigram


class Migration(migrations.Migration):
    # Built concurrently: on a ledger of millions of entries the build takes minutes, and feeds go on.
    atomic = False

    dependencies = [
        ("ledger", "0006_statistics_covering_indexes"),
    ]

    operations = [
        trigram.indexes(("entry_document_no_trgm", "ledger_ledgerentry", "document_no"), concurrently=True),
    ]
