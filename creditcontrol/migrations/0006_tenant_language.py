from django.db import migrations, models

# The country's locale for each existing tenant (creditcontrol.formats.COUNTRY_LANGUAGE at the time).
COUNTRY_LANGUAGE = {"GB": "en-gb", "IE": "en-gb", "US": "en-us", "DE": "de-de", "AT": "de-de", "FR": "fr-fr",
                    "NL": "nl-nl"}


def language_from_country(apps, schema_editor):
    Tenant = apps.get_model("creditcontrol", "Tenant")
    for tenant in Tenant.objects.all():
        language = COUNTRY_LANGUAGE.get((tenant.country or "").upper())
        if language:
            Tenant.objects.filter(pk=tenant.pk).update(language=language)


class Migration(migrations.Migration):
    dependencies = [
        ("creditcontrol", "0005_tenant_controllers_own_customers_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="language",
            field=models.CharField(
                choices=[
                    ("en-gb", "English (United Kingdom): 1,234.56 · 29/11/2026"),
                    ("en-us", "English (United States): 1,234.56 · 11/29/2026"),
                    ("de-de", "German (Germany): 1.234,56 · 29.11.2026"),
                    ("fr-fr", "French (France): 1 234,56 · 29/11/2026"),
                    ("nl-nl", "Dutch (Netherlands): 1.234,56 · 29-11-2026"),
                ],
                default="en-gb",
                help_text="How pages and PDFs write and read amounts and dates; the API and exports keep "
                "1234.56 and ISO dates.",
                max_length=8,
            ),
        ),
        migrations.RunPython(language_from_country, migrations.RunPython.noop),
    ]
