"""The tenant admin's setup pages that belong to the core: the setup index and users and roles."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from . import members
from .errors import DomainError
from .models import Membership, Role
from .pages import TenantPageMixin, form_add_domain_error


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CONTROLLER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


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


def _membership(view) -> Membership:
    try:
        return members.member_get(membership_id=view.kwargs["pk"])
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None


class MemberRoleView(AdminPage, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = _membership(self)
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Choose a role: {', '.join(Role.labels)}.")
            return redirect("setup-users", tenant_slug=self.tenant.slug)
        try:
            membership = members.member_role_change(membership=membership, role=form.cleaned_data["role"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"{membership.user.email or membership.user} is now {membership.get_role_display()}."
            )
        return redirect("setup-users", tenant_slug=self.tenant.slug)


class MemberRemoveView(AdminPage, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = _membership(self)
        who = membership.user.email or membership.user.get_username()
        try:
            members.member_remove(membership=membership)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{who} no longer has access to {self.tenant.name}.")
        return redirect("setup-users", tenant_slug=self.tenant.slug)
