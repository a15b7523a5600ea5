"""Users and roles: the members list, inviting by e-mail (the link sets a password that then signs in),
changing a role, taking a member out, and never losing the tenant's last admin."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail

from creditcontrol.members import LAST_ADMIN
from creditcontrol.models import Membership, Role
from tests.conftest import PASSWORD


@pytest.fixture
def admin(tenant_a, make_member, client):
    user = make_member(tenant_a, Role.ADMIN, username="ada")
    user.email, user.first_name, user.last_name = "ada@alpha.example", "Ada", "Admin"
    user.save()
    client.force_login(user)
    return user


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _membership(tenant, user) -> Membership:
    return Membership.objects.get(tenant=tenant, user=user)


def test_the_list_shows_each_member_with_name_email_role_and_status(
    admin, tenant_a, tenant_b, make_member, client
):
    make_member(tenant_a, Role.CONTROLLER, username="carl")
    make_member(tenant_b, Role.ADMIN, username="beta-only")
    response = client.get(f"/t/{tenant_a.slug}/setup/users/")
    assert response.status_code == 200
    rows = re.findall(r'<tr data-member="([^"]+)">', response.content.decode())
    assert rows == ["carl", "ada@alpha.example"]  # by e-mail: carl has none, so he sorts first
    body = response.content.decode()
    assert "Ada Admin" in body and "beta-only" not in body
    assert '<option value="controller" selected>Credit controller</option>' in body


def test_an_invitation_emails_a_link_that_sets_a_password_which_then_signs_in(
    admin, tenant_a, client, django_capture_on_commit_callbacks, mail_server
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/t/{tenant_a.slug}/setup/users/", {"email": "New.Person@Example.com", "role": "controller"}
        )
    assert response.status_code == 302
    assert _messages(response) == [
        "Invited new.person@example.com as Credit controller: an e-mail is on its way."
    ]
    user = get_user_model().objects.get(email="new.person@example.com")
    assert (user.username, user.has_usable_password()) == ("new.person@example.com", False)
    assert _membership(tenant_a, user).role == Role.CONTROLLER

    # through a real SMTP server
    [message] = mail_server.messages()
    assert (message["To"], message["X-Envelope-To"]) == ("new.person@example.com", "new.person@example.com")
    assert message["Subject"] == "Your access to Alpha Trading Ltd"
    assert message["X-Credit-Control-Tenant"] == tenant_a.slug
    body = message.get_payload(decode=True).decode()
    assert (
        "Ada Admin has given you access to Alpha Trading Ltd in Credit control as Credit controller." in body
    )
    link = re.search(r"http://testserver(/accounts/set-password/\S+/)", body).group(1)

    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"Choose your password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Fresh-Ledger-2026", "new_password2": "Fresh-Ledger-2026"},
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/set-password/done/"

    signed_in = client.post(
        "/accounts/login/", {"username": "new.person@example.com", "password": "Fresh-Ledger-2026"}
    )
    assert signed_in.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == f"/t/{tenant_a.slug}/"
    # the link works once
    again = client.get(link, follow=True)
    assert b"This link has been used already or has expired" in again.content


def test_inviting_someone_who_already_signs_in_elsewhere_adds_them_without_a_password_link(
    admin, tenant_a, tenant_b, make_member, client, django_capture_on_commit_callbacks
):
    other = make_member(tenant_b, Role.MANAGER, username="bea")
    other.email = "bea@beta.example"
    other.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/t/{tenant_a.slug}/setup/users/", {"email": "bea@beta.example", "role": "viewer"}
        )
    assert response.status_code == 302
    assert _membership(tenant_a, other).role == Role.VIEWER
    assert _membership(tenant_b, other).role == Role.MANAGER  # the other company's role is theirs
    assert mail.outbox[0].to == ["bea@beta.example"]
    assert "set-password" not in mail.outbox[0].body
    assert "Sign in as you do already: http://testserver/accounts/login/" in mail.outbox[0].body
    other.refresh_from_db()
    assert other.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-address", "role": "controller"}, "email", "Enter a valid email address."),
        (
            {"email": "ada@alpha.example", "role": "viewer"},
            "email",
            "ada@alpha.example is already a member of Alpha Trading Ltd.",
        ),
        (
            {"email": "x@example.com", "role": "owner"},
            "role",
            "Select a valid choice. owner is not one of the available choices.",
        ),
    ],
)
def test_a_bad_invitation_is_shown_on_the_form_and_changes_nothing(
    admin, tenant_a, client, data, field, message
):
    before = Membership.objects.count()
    response = client.post(f"/t/{tenant_a.slug}/setup/users/", data)
    assert response.status_code == 400
    assert f'<div class="error" data-field-error="{field}">{message}</div>' in response.content.decode()
    assert Membership.objects.count() == before and mail.outbox == []


def test_changing_a_role(admin, tenant_a, make_member, client):
    carl = make_member(tenant_a, Role.CONTROLLER, username="carl")
    membership = _membership(tenant_a, carl)
    response = client.post(f"/t/{tenant_a.slug}/setup/users/{membership.pk}/role/", {"role": "manager"})
    assert response.status_code == 302
    assert _messages(response) == ["carl is now Manager."]
    assert _membership(tenant_a, carl).role == Role.MANAGER


def test_the_last_admin_can_be_neither_demoted_nor_removed(admin, tenant_a, make_member, client):
    membership = _membership(tenant_a, admin)
    refusal = LAST_ADMIN.format(name="Ada Admin")
    assert refusal == "Ada Admin is the company's last tenant admin: make someone else an admin first."

    demote = client.post(
        f"/t/{tenant_a.slug}/setup/users/{membership.pk}/role/", {"role": "manager"}, follow=True
    )
    assert (demote.status_code, _messages(demote)) == (200, [refusal])  # shown on the users page
    remove = client.post(f"/t/{tenant_a.slug}/setup/users/{membership.pk}/remove/", follow=True)
    assert (remove.status_code, _messages(remove)) == (200, [refusal])
    assert _membership(tenant_a, admin).role == Role.ADMIN

    # with a second admin, the first may step down
    make_member(tenant_a, Role.ADMIN, username="second-admin")
    client.post(f"/t/{tenant_a.slug}/setup/users/{membership.pk}/role/", {"role": "manager"})
    assert _membership(tenant_a, admin).role == Role.MANAGER


def test_removing_a_member_takes_away_this_tenant_only(admin, tenant_a, tenant_b, make_member, client):
    carl = make_member(tenant_a, Role.CONTROLLER, username="carl")
    carl = make_member(tenant_b, Role.CONTROLLER, username="carl")  # the same user, now with a fresh password
    response = client.post(f"/t/{tenant_a.slug}/setup/users/{_membership(tenant_a, carl).pk}/remove/")
    assert _messages(response) == ["carl no longer has access to Alpha Trading Ltd."]
    assert not Membership.objects.filter(tenant=tenant_a, user=carl).exists()
    assert Membership.objects.filter(tenant=tenant_b, user=carl).exists()
    assert get_user_model().objects.filter(pk=carl.pk, is_active=True).exists()
    client.force_login(carl)
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 404


def test_another_tenants_member_is_a_404(admin, tenant_a, tenant_b, make_member, client):
    beta = _membership(tenant_b, make_member(tenant_b, Role.ADMIN, username="beta-admin"))
    for action, data in (("role", {"role": "viewer"}), ("remove", {})):
        response = client.post(f"/t/{tenant_a.slug}/setup/users/{beta.pk}/{action}/", data)
        assert response.status_code == 404
    assert _membership(tenant_b, beta.user).role == Role.ADMIN


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONTROLLER, Role.VIEWER])
def test_only_an_admin_sees_the_setup_pages(tenant_a, make_member, client, role):
    client.force_login(make_member(tenant_a, role))
    assert client.get(f"/t/{tenant_a.slug}/setup/users/").status_code == 403
    assert client.get(f"/t/{tenant_a.slug}/setup/").status_code == 403
    assert b"/setup/users/" not in client.get(f"/t/{tenant_a.slug}/customers/").content


def test_the_setup_link_leads_an_admin_to_the_setup_index(admin, tenant_a, client):
    page = client.get(f"/t/{tenant_a.slug}/customers/").content.decode()
    assert f'<a href="/t/{tenant_a.slug}/setup/">Setup</a>' in page
    index = client.get(f"/t/{tenant_a.slug}/setup/").content.decode()
    for link in ("setup/users/", "customers/", "aging/setup/", "interactions/status-codes/"):
        assert f'href="/t/{tenant_a.slug}/{link}"' in index
