"""A heartbeat on recalculation runs (a run whose worker died is found by it), and an index on the active runs."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aging", "0005_statistics_totals_wider"),
    ]

    operations = [
        migrations.AddField(
            model_name="recalculationrun",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Last sign of life of the worker running it (every 30 s while running)",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="recalculationrun",
            index=models.Index(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=["tenant", "status"],
                name="recalculation_run_active",
            ),
        ),
    ]
