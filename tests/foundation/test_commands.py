"""Management commands of the foundation: create_tenant and seed_demo."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from aging.models import AgingBand, AgingSetup
from creditcontrol.models import Membership, Role, Tenant
from creditcontrol.rowsecurity import owner_connection
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.models import Application, LedgerEntry
from project.demo import DEMO_PASSWORD


def test_create_tenant_creates_the_tenant_its_admin_and_default_aging_bands(db, capsys):
    call_command(
        "create_tenant",
        "acme",
        name="Acme Wholesale Ltd",
        currency="gbp",
        time_zone="Europe/Dublin",
        admin="acme-admin",
        password="s3cret-enough-2026",
    )

    tenant = Tenant.objects.get(slug="acme")
    assert (tenant.name, tenant.local_currency, tenant.time_zone) == (
        "Acme Wholesale Ltd",
        "GBP",
        "Europe/Dublin",
    )
    admin = get_user_model().objects.get(username="acme-admin")
    assert admin.check_password("s3cret-enough-2026")
    assert list(Membership.objects.filter(tenant=tenant).values_list("user__username", "role")) == [
        ("acme-admin", Role.ADMIN)
    ]
    with tenant_context(tenant):
        bands = list(AgingBand.objects.values_list("position", "label", "from_days", "to_days"))
        assert AgingSetup.objects.count() == 1
    assert bands == [
        (1, "Not due", None, 0),
        (2, "1-30 days", 1, 30),
        (3, "31-60 days", 31, 60),
        (4, "61-90 days", 61, 90),
        (5, "Over 90 days", 91, None),
    ]
    assert "Created tenant acme (Acme Wholesale Ltd); acme-admin is its admin." in capsys.readouterr().out


def test_create_tenant_makes_an_existing_user_admin_without_touching_their_password(tenant_a, make_member):
    user = make_member(tenant_a, role=Role.VIEWER, username="already-here")

    call_command("create_tenant", "acme", name="Acme Wholesale Ltd", admin="already-here")

    assert Membership.objects.get(user=user, tenant__slug="acme").role == Role.ADMIN
    assert Membership.objects.get(user=user, tenant=tenant_a).role == Role.VIEWER
    assert get_user_model().objects.get(pk=user.pk).password == user.password


def test_create_tenant_refuses_a_slug_that_exists(tenant_a):
    with pytest.raises(CommandError, match="^A tenant with slug 'alpha' already exists.$"):
        call_command("create_tenant", "alpha", name="Another Alpha", admin="someone", password="x-2026-pass")

    assert Tenant.objects.filter(slug="alpha").count() == 1
    assert Tenant.objects.get(slug="alpha").name == "Alpha Trading Ltd"
    assert not get_user_model().objects.filter(username="someone").exists()


def test_create_tenant_refuses_an_unknown_time_zone(db):
    with pytest.raises(CommandError, match="Unknown time zone 'Mars/Olympus'"):
        call_command("create_tenant", "acme", name="Acme", time_zone="Mars/Olympus", admin="a", password="p")

    assert not Tenant.objects.filter(slug="acme").exists()


def _counts() -> dict:
    with owner_connection():  # every tenant's rows: the owner's view, beneath the tenant policies
        return _counts_of_every_tenant()


def _counts_of_every_tenant() -> dict:
    return {
        "tenants": Tenant.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "customers": Customer.objects.unscoped().count(),
        "entries": LedgerEntry.objects.unscoped().count(),
        "applications": Application.objects.unscoped().count(),
        "bands": AgingBand.objects.unscoped().count(),
    }


def test_seed_demo_creates_the_demo_tenants_and_users_and_a_second_run_changes_nothing(transactional_db):
    # transactional_db: seeding commits per tenant (its temporary tables are dropped on commit).
    call_command("seed_demo", customers=20, entries=200)
    first = _counts()

    call_command("seed_demo", customers=20, entries=200)

    assert _counts() == first
    assert sorted(Tenant.objects.values_list("slug", flat=True)) == ["kontor", "northwind"]
    assert first["customers"] == 20 + 10  # the second tenant is half the size
    assert first["entries"] > 200
    assert first["bands"] == 2 * 5
    User = get_user_model()
    for username, role in (
        ("admin", Role.ADMIN),
        ("manager", Role.MANAGER),
        ("controller", Role.CONTROLLER),
        ("controller2", Role.CONTROLLER),
        ("viewer", Role.VIEWER),
    ):
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert Membership.objects.get(user=user, tenant__slug="northwind").role == role
    assert sorted(
        Membership.objects.filter(tenant__slug="kontor").values_list("user__username", flat=True)
    ) == [
        "admin",
        "manager",
        "viewer",
    ]
