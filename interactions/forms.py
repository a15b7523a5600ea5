"""Forms of the interaction pages (they parse input; the services hold the rules)."""

from django import forms
from django.contrib.auth import get_user_model

from creditcontrol.formats import AmountField
from creditcontrol.tenancy import current_tenant
from customers.models import Contact

from .models import InteractionType, StatusCode, ToDoKind

# The description inputs show a live "n/250" (static js/app.js; the counter is in the template).
COUNTED = {"data-char-counter": "250"}


def tenant_users():
    return get_user_model().objects.filter(memberships__tenant=current_tenant()).order_by("username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class InteractionForm(forms.Form):
    interaction_type = forms.ChoiceField(choices=InteractionType.choices, label="Type")
    occurred_at = forms.DateTimeField(
        label="Date-time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    description = forms.CharField(max_length=250, widget=forms.TextInput(attrs=COUNTED))
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False, empty_label="None")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next_interaction_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label="Next interaction date",
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customer is not None:
            self.fields["contact"].queryset = Contact.objects.filter(customer=customer, is_inactive=False)
        else:
            del self.fields["contact"]


class InteractionHeaderForm(forms.Form):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next_interaction_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label="Next interaction date",
    )


class UpdateEntriesForm(forms.Form):
    status_code = forms.ModelChoiceField(
        queryset=StatusCode.objects.none(), required=False, empty_label="(none)"
    )
    promised_full_amount = forms.BooleanField(required=False, label="Full amount")
    promised_amount = AmountField(
        required=False, max_digits=18, decimal_places=2, label="Promised payment amount"
    )
    promised_payment_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label="Promised payment date",
    )
    query_resolution_target_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label="Resolution target date",
    )
    query_resolution_by = UserChoiceField(
        queryset=None, required=False, label="Resolution by", empty_label="Nobody"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status_code"].queryset = StatusCode.objects.filter(
            is_active=True
        )  # inactive: no new use
        self.fields["query_resolution_by"].queryset = tenant_users()


class ToDoForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(ToDoKind.MANUAL, "To-do"), (ToDoKind.NOTE_REMINDER, "Note reminder")], label="Kind"
    )
    description = forms.CharField(max_length=250, widget=forms.TextInput(attrs=COUNTED))
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    assigned_to = UserChoiceField(queryset=None, required=False, label="Assigned to", empty_label="Nobody")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = tenant_users()


class ToDoCloseForm(forms.Form):
    reason = forms.CharField(max_length=250, required=False)


class StatusCodeForm(forms.Form):
    code = forms.CharField(max_length=20)
    description = forms.CharField(max_length=100, required=False)
    promised = forms.BooleanField(required=False)
    queried = forms.BooleanField(required=False)
    query_resolution_by_me = forms.BooleanField(required=False, label="Query resolution by me")
    exclude_from_chasing = forms.BooleanField(required=False, label="Exclude from chasing")
