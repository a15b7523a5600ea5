"""Forms of the customer pages."""

from decimal import Decimal

from django import forms


class CreditLimitReviewForm(forms.Form):
    no_limit = forms.BooleanField(required=False, label="No limit")
    new_limit_lcy = forms.DecimalField(
        required=False, max_digits=18, decimal_places=2, min_value=0, label="New credit limit"
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")

    def clean(self):
        data = super().clean()
        if (
            not data.get("no_limit")
            and data.get("new_limit_lcy") is None
            and "new_limit_lcy" not in self.errors
        ):
            self.add_error("new_limit_lcy", "Enter the new limit, or tick No limit.")
        if data.get("no_limit"):
            data["new_limit_lcy"] = None
        return data


class RecordPaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    # Only for a customer in a foreign currency: the amount in local currency at the posting rate.
    amount_lcy = forms.DecimalField(
        required=False, max_digits=18, decimal_places=2, min_value=Decimal("0.01"), label="Amount in LCY"
    )
    posting_date = forms.DateField()
    document_no = forms.CharField(max_length=40)
