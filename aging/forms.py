"""Forms of the aging setup page: the settings, and the bands as ten fixed rows (blank rows are unused)."""

from django import forms

from .models import MAX_BANDS, AgingBasis


class AgingSetupForm(forms.Form):
    basis = forms.ChoiceField(choices=AgingBasis.choices, label="Aging basis")
    use_work_date = forms.BooleanField(required=False, label="Use work date as base")
    dso_period_days = forms.IntegerField(min_value=1, max_value=3660, label="DSO period (days)")
    nightly_recalculation_time = forms.TimeField(
        label="Nightly recalculation at (local time)",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class WorkDateForm(forms.Form):
    work_date = forms.DateField(required=False, label="Work date")


class AgingBandForm(forms.Form):
    label = forms.CharField(max_length=40, required=False)
    from_days = forms.IntegerField(required=False, label="From day")
    to_days = forms.IntegerField(required=False, label="To day")


AgingBandFormSet = forms.formset_factory(AgingBandForm, extra=0, min_num=MAX_BANDS, max_num=MAX_BANDS)


def bands_from_formset(formset) -> list[dict]:
    """The filled-in rows, in order (a row with no label and no days is unused)."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data
        and (
            form.cleaned_data.get("label")
            or form.cleaned_data.get("from_days") is not None
            or form.cleaned_data.get("to_days") is not None
        )
    ]
