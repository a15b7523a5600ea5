"""Trigram indexes for search: a customer's number, name and city, a contact's name and e-mail."""

from django.db import migrations

from creditcontrol import trigram


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_customer_city"),
    ]

    operations = [
        trigram.indexes(
            ("customer_code_trgm", "customers_customer", "code"),
            ("customer_name_trgm", "customers_customer", "name"),
            ("customer_city_trgm", "customers_customer", "city"),
            ("contact_name_trgm", "customers_contact", "name"),
            ("contact_email_trgm", "customers_contact", "email"),
        ),
    ]
