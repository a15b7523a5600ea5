from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("creditcontrol", "0002_membership_preferences")]

    operations = [
        migrations.AddField(
            model_name="tenant", name="promise_grace_days", field=models.PositiveIntegerField(default=0)
        ),
    ]
