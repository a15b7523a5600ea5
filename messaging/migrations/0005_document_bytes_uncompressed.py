"""A document's bytes are a PDF, already compressed: PostgreSQL's own compression of the column (TOAST)
spends CPU on every insert to gain nothing. EXTERNAL keeps large values out of line, uncompressed."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_reminder_templates")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE messaging_document ALTER COLUMN content SET STORAGE EXTERNAL",
            "ALTER TABLE messaging_document ALTER COLUMN content SET STORAGE EXTENDED",
        )
    ]
