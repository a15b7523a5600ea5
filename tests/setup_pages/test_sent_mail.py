"""Sent mail: what the local mail server kept, on the tenant admin's page, each tenant its own messages."""

import re

import pytest
from django.core import mail

from creditcontrol.mail import tenant_mail_send
from creditcontrol.models import Role


@pytest.fixture
def admin_client(tenant_a, make_member, client):
    client.force_login(make_member(tenant_a, Role.ADMIN, username="ada"))
    return client


def _rows(body: str) -> list[str]:
    return re.findall(r"<td><a href=\"/t/alpha/setup/mail/[^\"]+/\">([^<]+)</a></td>", body)


def test_the_page_lists_this_tenants_messages_newest_first_and_opens_one(
    admin_client, tenant_a, tenant_b, mail_server
):
    tenant_mail_send(tenant=tenant_a, subject="First", body="One\nTwo", to=["ap@crown.example"])
    tenant_mail_send(tenant=tenant_b, subject="Beta's own", body="Not yours", to=["ap@other.example"])
    tenant_mail_send(tenant=tenant_a, subject="Second", body="Three", to=["ap@crown.example"])
    assert len(mail_server.messages()) == 3

    body = admin_client.get("/t/alpha/setup/mail/").content.decode()
    assert _rows(body) == ["Second", "First"]
    assert "ap@other.example" not in body

    key = re.search(r'href="/t/alpha/setup/mail/([^"]+)/">First<', body).group(1)
    message = admin_client.get(f"/t/alpha/setup/mail/{key}/").content.decode()
    assert '<pre class="message-body" id="message-body">One\nTwo' in message
    assert "<dt>To</dt><dd>ap@crown.example</dd>" in message


def test_another_tenants_message_is_not_found_by_its_key(admin_client, tenant_a, tenant_b, mail_server):
    tenant_mail_send(tenant=tenant_b, subject="Beta's own", body="Not yours", to=["ap@other.example"])
    [key] = [path.name.split(":")[0] for path in (mail_server.maildir / "new").iterdir()]
    assert admin_client.get(f"/t/alpha/setup/mail/{key}/").status_code == 404
    assert admin_client.get("/t/alpha/setup/mail/..%2Fcur/").status_code == 404


def test_without_a_local_mail_server_the_page_says_where_mail_goes(admin_client, settings):
    settings.LOCAL_MAILBOX_DIR = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "smtp.example.com"
    body = admin_client.get("/t/alpha/setup/mail/").content.decode()
    assert "Mail goes out through the mail server at <strong>smtp.example.com</strong>" in body
    assert 'id="sent-mail"' not in body
    assert mail.outbox == []


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONTROLLER, Role.VIEWER])
def test_only_an_admin_reads_the_sent_mail(tenant_a, make_member, client, role, mail_server):
    client.force_login(make_member(tenant_a, role, username=f"someone-{role}"))
    assert client.get("/t/alpha/setup/mail/").status_code == 403
