# To-dos say why they closed (`outcome`: a to-do made moot by a newer promise is not one that was done), and
# a query raises its own kind of to-do ("Resolve query on <document no.> by <date>").

from django.db import migrations, models
from django.db.models import Q


def backfill_outcome(apps, schema_editor):
    """Closed to-dos get the outcome their close reason names (the services wrote those reasons)."""
    ToDo = apps.get_model("interactions", "ToDo")
    closed = ToDo._base_manager.filter(status="closed")
    closed.filter(closed_reason__startswith="Replaced by").update(outcome="replaced")
    closed.filter(outcome="", closed_reason__startswith="Promise kept").update(outcome="kept")
    closed.filter(outcome="", closed_reason__startswith="Promise broken").update(outcome="broken")
    closed.filter(outcome="", closed_reason__startswith="Paid:").update(outcome="paid")
    closed.filter(outcome="", closed_reason="Next interaction date removed.").update(outcome="cancelled")
    closed.filter(outcome="").update(outcome="done")


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="todo",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "—"),
                    ("done", "Done"),
                    ("paid", "Paid"),
                    ("kept", "Promise kept"),
                    ("broken", "Promise broken"),
                    ("replaced", "Replaced"),
                    ("resolved", "Query resolved"),
                    ("cancelled", "Cancelled"),
                ],
                default="",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="todo",
            name="kind",
            field=models.CharField(
                choices=[
                    ("promise_check", "Check promised payment"),
                    ("follow_up", "Follow-up call"),
                    ("promise_broken", "Promise broken"),
                    ("manual", "To-do"),
                    ("note_reminder", "Note reminder"),
                    ("query", "Resolve query"),
                ],
                default="manual",
                max_length=16,
            ),
        ),
        migrations.RunPython(backfill_outcome, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="todo",
            constraint=models.CheckConstraint(
                condition=Q(status="open", outcome="") | (Q(status="closed") & ~Q(outcome="")),
                name="todo_outcome_iff_closed",
            ),
        ),
    ]
