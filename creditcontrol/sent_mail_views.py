"""The tenant admin's "Sent mail" pages: what the local mail server kept (`creditcontrol.sent_mail`)."""

from django.conf import settings
from django.views.generic import TemplateView

from . import sent_mail
from .setup_views import AdminPage


class SentMailListView(AdminPage, TemplateView):
    template_name = "setup/sent_mail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            local=sent_mail.local_mailbox_dir() is not None,
            sent=sent_mail.sent_message_list(),
            email_host=settings.EMAIL_HOST if "smtp" in settings.EMAIL_BACKEND else "",
        )
        return context


class SentMessageView(AdminPage, TemplateView):
    template_name = "setup/sent_message.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["message"] = sent_mail.sent_message_get(self.kwargs["key"])
        return context
