"""The promise grace days belong to the promises (interactions), which sit below the statistics: the
setting moves from the aging setup to the tenant, values kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("aging", "0003_statistics_fillfactor"),
        ("creditcontrol", "0003_tenant_promise_grace_days"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE creditcontrol_tenant t SET promise_grace_days = s.promise_grace_days"
            " FROM aging_agingsetup s WHERE s.tenant_id = t.id",
            "UPDATE aging_agingsetup s SET promise_grace_days = t.promise_grace_days"
            " FROM creditcontrol_tenant t WHERE s.tenant_id = t.id",
        ),
        migrations.RemoveField(model_name="agingsetup", name="promise_grace_days"),
    ]
