"""Every tenant that exists gets what a new tenant gets (chasing.services.chasing_seed_defaults): the setup
row, the reminder templates and a standard policy of three levels. Runs start by hand until the schedule
is turned on."""

from django.db import migrations

from chasing.defaults import LEVELS, TEMPLATES


def seed(apps, schema_editor):
    Tenant = apps.get_model("creditcontrol", "Tenant")
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    ChasingSetup = apps.get_model("chasing", "ChasingSetup")
    ChasingPolicy = apps.get_model("chasing", "ChasingPolicy")
    ChasingLevel = apps.get_model("chasing", "ChasingLevel")
    for tenant in Tenant.objects.all():
        ChasingSetup.objects.get_or_create(tenant=tenant)
        for _number, channel, name, subject, body in TEMPLATES:
            MessageTemplate.objects.get_or_create(
                tenant=tenant,
                channel=channel,
                purpose="reminder",
                name=name,
                language="en",
                defaults={"subject": subject, "body": body},
            )
        if ChasingPolicy.objects.filter(tenant=tenant).exists():
            continue
        policy = ChasingPolicy.objects.create(tenant=tenant, name="Standard", is_default=True)
        for number, name, days, todo in LEVELS:
            ChasingLevel.objects.create(
                tenant=tenant,
                policy=policy,
                number=number,
                name=name,
                days=days,
                template_name=name,
                todo_description=todo,
            )


class Migration(migrations.Migration):
    dependencies = [("chasing", "0001_initial"), ("messaging", "0004_reminder_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
