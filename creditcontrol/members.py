"""Who belongs to a tenant with which role: the members list, inviting by e-mail, changing a role,
taking a member out. A tenant always keeps at least one tenant admin (someone must be able to run setup).

Membership has no "active" flag: taking a member out deletes their membership of this tenant, never the
user (they may belong to other tenants) — signing in, they no longer see this company.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .errors import DomainError
from .mail import tenant_mail_send
from .models import Membership, Role
from .tenancy import current_tenant, role_at_least

LAST_ADMIN = "{name} is the company's last tenant admin: make someone else an admin first."


def member_list():
    """The current tenant's members, by e-mail (or user name where there is none)."""
    return (
        Membership.objects.filter(tenant=current_tenant())
        .select_related("user")
        .order_by("user__email", "user__username")
    )


def controller_choices():
    """The members who can be given customers: credit controllers and the roles above them."""
    return [m.user for m in member_list() if role_at_least(m.role, Role.CONTROLLER) and m.user.is_active]


def member_get(*, membership_id) -> Membership:
    """A membership of the current tenant; another tenant's reads as missing (Membership.DoesNotExist)."""
    return Membership.objects.select_related("user").get(tenant=current_tenant(), pk=membership_id)


def _role_check(role: str) -> None:
    if role not in Role.values:
        message = f"Choose a role: {', '.join(Role.labels)}."
        raise DomainError(message, details={"role": [message]})


def _name(membership: Membership) -> str:
    user = membership.user
    return user.get_full_name() or user.email or user.get_username()


def _last_admin_check(membership: Membership) -> None:
    """Refuse to take the admin role from the tenant's last admin (the admins are locked while deciding)."""
    admins = list(
        Membership.objects.select_for_update()
        .filter(tenant=current_tenant(), role=Role.ADMIN)
        .values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        message = LAST_ADMIN.format(name=_name(membership))
        raise DomainError(message, details={"role": [message]}, code="last_admin")


def set_password_path(user) -> str:
    """The path of a one-use link that sets `user`'s password (Django's password-reset token: it stops
    working once the password is set, or after PASSWORD_RESET_TIMEOUT)."""
    return reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


@transaction.atomic
def member_invite(*, email: str, role: str, site_url: str, invited_by=None) -> Membership:
    """Give the person at `email` the role in the current tenant and tell them by e-mail.

    A new e-mail address becomes a user without a password, whose e-mail carries a link to set one; a
    user who already has a password is told to sign in as they do. Someone already a member is refused.
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except Exception:  # noqa: BLE001 — Django's ValidationError: the same message for any bad address
        message = "Enter a valid e-mail address."
        raise DomainError(message, details={"email": [message]}) from None
    _role_check(role)
    tenant = current_tenant()
    users = get_user_model().objects
    user = users.filter(email__iexact=email).order_by("pk").first() or users.filter(username=email).first()
    if user is None:
        user = users.create_user(username=email, email=email)  # no usable password until the link is used
    if Membership.objects.filter(tenant=tenant, user=user).exists():
        message = f"{email} is already a member of {tenant.name}."
        raise DomainError(message, details={"email": [message]}, code="duplicate")
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    inviter = invited_by.get_full_name() or invited_by.get_username() if invited_by else "An administrator"
    lines = [
        f"{inviter} has given you access to {tenant.name} in Credit control as {membership.get_role_display()}.",
        "",
    ]
    if user.has_usable_password():
        lines.append(f"Sign in as you do already: {site_url.rstrip('/')}{reverse('login')}")
    else:
        lines += [
            "Choose your password here (the link works once):",
            f"{site_url.rstrip('/')}{set_password_path(user)}",
            "",
            f"Then sign in with your e-mail address, {email}.",
        ]
    transaction.on_commit(
        lambda: tenant_mail_send(
            tenant=tenant, subject=f"Your access to {tenant.name}", body="\n".join(lines), to=[email]
        )
    )
    return membership


@transaction.atomic
def member_role_change(*, membership: Membership, role: str) -> Membership:
    _role_check(role)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _last_admin_check(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership: Membership) -> None:
    """Take a member out of the tenant (their customers stay assigned until someone reassigns them)."""
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.role == Role.ADMIN:
        _last_admin_check(membership)
    membership.delete()
