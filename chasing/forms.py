"""Forms of the chasing pages and of the card's and credit list's chasing actions: they read what was typed;
the rules are the services'."""

from django import forms

from messaging.models import Channel

from .models import ChasingPolicy
from .services import LEVEL_FIELDS, POLICY_FIELDS

WEEKDAYS = [
    (1, "Mon"),
    (2, "Tue"),
    (3, "Wed"),
    (4, "Thu"),
    (5, "Fri"),
    (6, "Sat"),
    (7, "Sun"),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 18, "decimal_places": 2}
DAYS = {"min_value": 0, "max_value": 3650}


class SetupForm(forms.Form):
    scheduled = forms.BooleanField(required=False, label="Run by itself")
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="On"
    )
    run_at = forms.TimeField(
        label="At (local time)", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    freshness_days = forms.IntegerField(
        label="Freshness limit (days)",
        min_value=0,
        max_value=3650,
        help_text="Customers whose ledger was not fed for longer are not chased",
    )


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100)
    is_default = forms.BooleanField(required=False, label="The default policy")
    minimum_overdue_lcy = forms.DecimalField(label="Minimum overdue", **MONEY)
    contact_gap_days = forms.IntegerField(label="Contact gap (days)", **DAYS)
    repeat_last_times = forms.IntegerField(label="Repeat the last level (times)", min_value=0, max_value=100)
    repeat_after_days = forms.IntegerField(label="Repeat after (days)", **DAYS)
    attach_statement = forms.BooleanField(required=False, label="Attach the statement (PDF)")
    is_active = forms.BooleanField(required=False, label="Active")

    FIELDS = POLICY_FIELDS


class LevelForm(forms.Form):
    name = forms.CharField(max_length=100)
    days = forms.IntegerField(
        min_value=-365, max_value=3650, help_text="After the due date (negative: before)"
    )
    channel = forms.ChoiceField(choices=Channel.choices)
    template_name = forms.ChoiceField(label="Template")
    todo_description = forms.CharField(max_length=250, required=False, label="To-do")
    hold_documents = forms.BooleanField(required=False, label="Hold documents")
    fee_lcy = forms.DecimalField(required=False, label="Fee", min_value=0, **MONEY)
    sends_automatically = forms.BooleanField(required=False, label="Sends automatically")

    FIELDS = LEVEL_FIELDS

    def __init__(self, *args, template_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        names = list(template_names)
        chosen = self.initial.get("template_name")
        if chosen and chosen not in names:  # a level whose template was renamed still shows its name
            names.append(chosen)
        self.fields["template_name"].choices = [(name, name) for name in names]


def policy_choices(*, blank: str):
    return [("", blank), *((str(p.pk), p.name) for p in ChasingPolicy.objects.filter(is_active=True))]


class GroupChasingForm(forms.Form):
    policy = forms.ChoiceField(required=False)
    paused_until = forms.DateField(required=False, widget=DATE, label="Paused until")
    reason = forms.CharField(max_length=250, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = policy_choices(blank="The default")


class RunStartForm(forms.Form):
    as_of = forms.DateField(label="As of", widget=DATE, required=False, help_text="Blank: today")


class DropForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)


class ReminderEditForm(forms.Form):
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 14}))


class PauseForm(forms.Form):
    paused_until = forms.DateField(label="Paused until", widget=DATE, help_text="Chased again the day after")
    reason = forms.CharField(max_length=250, required=False)


class CustomerChasingForm(forms.Form):
    policy = forms.ChoiceField(required=False, label="Policy")
    excluded = forms.BooleanField(required=False, label="Never chase this customer")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = policy_choices(blank="Its group's, else the default")
