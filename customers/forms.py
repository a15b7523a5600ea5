"""Forms of the customer pages."""

from django import forms

from creditcontrol.formats import AmountField, AmountTextField


class CreditLimitReviewForm(forms.Form):
    no_limit = forms.BooleanField(required=False, label="No limit")
    new_limit_lcy = AmountField(
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


class ContactForm(forms.Form):
    """A customer's contact on the card (customers.services.contact_save says what may be marked)."""

    name = forms.CharField(max_length=200)
    position = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(required=False, label="E-mail")
    phone = forms.CharField(max_length=40, required=False)
    is_primary = forms.BooleanField(required=False, label="Primary contact")
    is_credit_control_contact = forms.BooleanField(required=False, label="Credit-control contact")
    is_inactive = forms.BooleanField(required=False, label="Inactive")


class EntryIdsField(forms.Field):
    """The ticked entries (checkboxes named alike), as entry nos. in the order the page lists them."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        ids = []
        for item in value or []:
            text = str(item).strip()
            if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**63:
                raise forms.ValidationError(f"'{text[:20]}' is not an entry no.")
            ids.append(int(text))
        return ids


class RecordPaymentForm(forms.Form):
    """A payment received, as typed. The amounts are read in the tenant's format (`1.234,56` for a German
    tenant) and handed on as machine text: `ledger.services.payment_record` then parses them strictly,
    with the messages the API gives too (1e3 and -50 are refused there, once)."""

    amount = AmountTextField(max_length=100, label="Amount")
    # Only for a payment in a foreign currency: the amount in local currency at the posting rate.
    amount_lcy = AmountTextField(required=False, max_length=100, label="Amount in LCY")
    currency_code = forms.CharField(required=False, max_length=3, label="Currency")
    posting_date = forms.DateField(label="Posting date")
    document_no = forms.CharField(max_length=40, label="Reference")
    # The record-payment page sends its ticked invoices with `choose` set: none ticked is "on account".
    # The balance due row sends neither, and the payment goes oldest due first.
    choose = forms.BooleanField(required=False, widget=forms.HiddenInput)
    apply_to = EntryIdsField(required=False, label="Invoices to pay")
    confirm_duplicate = forms.BooleanField(required=False, label="Record anyway")

    def service_arguments(self) -> dict:
        """The cleaned form as `payment_record`'s keyword arguments."""
        data = self.cleaned_data
        return {
            "amount": data["amount"],
            "amount_lcy": data["amount_lcy"] or None,
            "currency_code": data["currency_code"] or None,
            "posting_date": data["posting_date"],
            "document_no": data["document_no"],
            "apply_to": data["apply_to"] if data["choose"] else None,
            "confirm_duplicate": data["confirm_duplicate"],
        }
