"""manage.py create_tenant SLUG --name NAME --currency GBP --time-zone Europe/London --admin USER [--password P]

The tenant's formats (`--language`) default to its country's (creditcontrol.formats.COUNTRY_LANGUAGE).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from creditcontrol.formats import language_for_country
from creditcontrol.models import Membership, Role, Tenant
from creditcontrol.setup import tenant_initialise


class Command(BaseCommand):
    help = "Create a tenant (company) with its default setup and an admin user."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--currency", default="EUR", help="Local currency (ISO 4217)")
        parser.add_argument("--time-zone", default="Europe/London")
        parser.add_argument("--country", default="")
        parser.add_argument("--language", help="Number and date formats, e.g. de-de (default: the country's)")
        parser.add_argument("--admin", required=True, help="Username of the tenant admin (created if new)")
        parser.add_argument("--password", help="Password for a new admin user (asked for when omitted)")

    @transaction.atomic
    def handle(self, *args, slug, name, currency, time_zone, country, language, admin, password, **options):
        if Tenant.objects.filter(slug=slug).exists():
            raise CommandError(f"A tenant with slug '{slug}' already exists.")
        tenant = Tenant(
            slug=slug,
            name=name,
            local_currency=currency.upper(),
            time_zone=time_zone,
            country=country,
            language=language or language_for_country(country),
        )
        try:
            tenant.full_clean()
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        tenant.save()
        tenant_initialise(tenant)
        user, created = get_user_model().objects.get_or_create(username=admin)
        if created:
            if not password:
                from getpass import getpass

                password = getpass(f"Password for {admin}: ")
            user.set_password(password)
            user.save()
        Membership.objects.create(user=user, tenant=tenant, role=Role.ADMIN)
        self.stdout.write(self.style.SUCCESS(f"Created tenant {slug} ({name}); {admin} is its admin."))
