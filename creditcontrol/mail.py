"""Mail the product sends on a tenant's behalf, marked with the tenant it belongs to.

Every message carries the tenant's slug in `TENANT_HEADER`: a local mailbox (`creditcontrol.sent_mail`)
shows each tenant only its own messages by it, and a provider's delivery events can be traced back.
"""

from django.core.mail import EmailMessage

TENANT_HEADER = "X-Credit-Control-Tenant"


def tenant_mail_send(
    *, tenant, subject: str, body: str, to: list[str], reply_to: list[str] | None = None
) -> None:
    """Send a plain-text message from DEFAULT_FROM_EMAIL in `tenant`'s name."""
    EmailMessage(
        subject=subject,
        body=body,
        to=to,
        reply_to=reply_to,
        headers={TENANT_HEADER: tenant.slug},
    ).send()
