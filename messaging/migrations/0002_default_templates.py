"""Every tenant that exists gets the default templates a new tenant gets (messaging.services)."""

from django.db import migrations

from messaging.defaults import TEMPLATES


def seed(apps, schema_editor):
    Tenant = apps.get_model("creditcontrol", "Tenant")
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for tenant in Tenant.objects.all():
        for channel, purpose, subject, body in TEMPLATES:
            MessageTemplate.objects.get_or_create(
                tenant=tenant,
                channel=channel,
                purpose=purpose,
                language="en",
                defaults={"subject": subject, "body": body},
            )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
