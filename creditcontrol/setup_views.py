"""The tenant admin's setup pages that belong to the core: the setup index, the tenant's formats, and the
users and roles' forms (their routes are the customers app's, customers/member_views.py: a member's
customers go with their role)."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from . import members
from .errors import DomainError
from .formats import Language, day_text, moment_text, money_text
from .models import Membership, Role
from .pages import TenantPageMixin, form_add_domain_error
from .setup import tenant_language_set


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CONTROLLER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


EXAMPLE_AMOUNT = Decimal("1234.56")
EXAMPLE_MOMENT = datetime.datetime(2026, 11, 29, 14, 5, tzinfo=datetime.UTC)


class FormatsForm(forms.Form):
    language = forms.ChoiceField(
        choices=Language.choices, label="Number and date formats", widget=forms.RadioSelect
    )


class AdminPage(TenantPageMixin):
    read_role = Role.ADMIN
    write_role = Role.ADMIN


class SetupIndexView(AdminPage, TemplateView):
    template_name = "setup/index.html"


class MemberListView(AdminPage, TemplateView):
    """The tenant's members, each with a role to change and a button to take them out; an invite form."""

    template_name = "setup/users.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            members=members.member_list(),
            form=form or InviteForm(),
            roles=Role.choices,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                membership = members.member_invite(
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    site_url=request.build_absolute_uri("/"),
                    invited_by=request.user,
                )
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    f"Invited {membership.user.email} as {membership.get_role_display()}: "
                    "an e-mail is on its way.",
                )
                return redirect("setup-users", tenant_slug=self.tenant.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


def membership_or_404(view) -> Membership:
    try:
        return members.member_get(membership_id=view.kwargs["pk"])
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None


class FormatsView(AdminPage, TemplateView):
    """The tenant's language and country for numbers and dates: each choice shown with an example."""

    template_name = "setup/formats.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            form=form or FormatsForm(initial={"language": self.tenant.language}),
            example_amount=money_text(EXAMPLE_AMOUNT, self.tenant.local_currency),
            example_day=day_text(EXAMPLE_MOMENT.date()),
            example_moment=moment_text(EXAMPLE_MOMENT),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = FormatsForm(request.POST)
        if form.is_valid():
            try:
                tenant = tenant_language_set(tenant=self.tenant, language=form.cleaned_data["language"])
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, f"Formats set to {tenant.get_language_display()}.")
                return redirect("setup-formats", tenant_slug=tenant.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)
