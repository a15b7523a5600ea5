from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("creditcontrol", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="preferences",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
