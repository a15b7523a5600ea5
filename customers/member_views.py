"""Users and roles (mounted under /t/<tenant slug>/setup/users/): the core's members page with what only
the customers know: how many customers each member is the controller of, and, when a member holding
customers is removed or made a viewer, who takes those customers over (or that they stay unassigned)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect

from creditcontrol import members, setup_views
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import form_add_domain_error

from . import selectors, services

HANDOVER_REQUIRED = "Choose who takes their customers over, or leave them unassigned."


class HandoverForm(forms.Form):
    """Who takes a leaving member's customers: a controller of the tenant, or nobody (unassigned)."""

    handover = forms.ChoiceField(label="Their customers", error_messages={"required": HANDOVER_REQUIRED})

    def __init__(self, *args, leaving_user_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handover"].choices = [
            ("", "— choose —"),
            (services.UNASSIGNED, "Leave them unassigned"),
            *(
                (str(user.pk), f"Hand over to {user.get_full_name() or user.get_username()}")
                for user in members.controller_choices()
                if user.pk != leaving_user_id
            ),
        ]
        self.fields["handover"].error_messages["invalid_choice"] = HANDOVER_REQUIRED

    def choice(self):
        value = self.cleaned_data["handover"]
        return value if value == services.UNASSIGNED else int(value)


class MemberListView(setup_views.MemberListView):
    def get_context_data(self, handover=None, **kwargs):
        context = super().get_context_data(**kwargs)
        listed = list(context["members"])
        held = selectors.customers_held(m.user_id for m in listed)
        for membership in listed:
            membership.customers_held = held.get(membership.user_id, 0)
        context.update(
            members=listed,
            handover=handover,
            former_customers=selectors.former_controller_customers_count(),
        )
        return context


class _MemberChange(MemberListView):
    """A change of one member that may hand their customers over: asked for the choice on the users page
    (400, the member's card above the table) when the member holds customers and none was made."""

    http_method_names = ["post"]
    action = ""

    def change(self, membership, handover):
        raise NotImplementedError

    def done(self, membership, result, who: str) -> str:
        raise NotImplementedError

    def refusal(self, request):
        """A redirect with a message when the request cannot be taken (before any handover is asked)."""
        return None

    def post(self, request, *args, **kwargs):
        membership = setup_views.membership_or_404(self)  # another tenant's member: 404 before anything else
        if (refused := self.refusal(request)) is not None:
            return refused
        who = membership.user.email or membership.user.get_username()
        form = HandoverForm(
            request.POST if "handover" in request.POST else None, leaving_user_id=membership.user_id
        )
        handover = form.choice() if form.is_bound and form.is_valid() else None
        if form.is_bound and handover is None:
            return self._ask(membership, form)
        try:
            result = self.change(membership, handover)
        except DomainError as error:
            if error.code == "handover" or form.is_bound:
                if not form.is_bound:
                    form = HandoverForm(leaving_user_id=membership.user_id)
                if error.code != "handover":
                    form_add_domain_error(form, error)
                return self._ask(membership, form)
            messages.error(request, error.message)
        else:
            messages.success(request, self.done(membership, result, who))
        return redirect("setup-users", tenant_slug=self.tenant.slug)

    def _ask(self, membership, form):
        held = selectors.customers_held([membership.user_id]).get(membership.user_id, 0)
        handover = {
            "membership": membership,
            "form": form,
            "held": held,
            "action": self.action,
            "role": self.request.POST.get("role", ""),
        }
        return self.render_to_response(self.get_context_data(handover=handover), status=400)


def _handed(count: int, handover) -> str:
    if not count:
        return ""
    customers = f"{count:,} customer{'s' if count != 1 else ''}"
    if handover == services.UNASSIGNED:
        return f" Their {customers} are now unassigned."
    name = next((u.get_username() for u in members.controller_choices() if u.pk == handover), "")
    return f" Their {customers} went to {name}."


class MemberRoleView(_MemberChange):
    action = "role"

    def refusal(self, request):
        form = setup_views.RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Choose a role: {', '.join(Role.labels)}.")
            return redirect("setup-users", tenant_slug=self.tenant.slug)
        self.role = form.cleaned_data["role"]
        return None

    def change(self, membership, handover):
        self.handover = handover
        return services.member_role_change_handing_over(
            membership=membership, role=self.role, handover=handover
        )

    def done(self, membership, result, who):
        membership, count = result
        return f"{who} is now {membership.get_role_display()}.{_handed(count, self.handover)}"


class MemberRemoveView(_MemberChange):
    action = "remove"

    def change(self, membership, handover):
        self.handover = handover
        return services.member_remove_handing_over(membership=membership, handover=handover)

    def done(self, membership, result, who):
        return f"{who} no longer has access to {self.tenant.name}.{_handed(result, self.handover)}"
