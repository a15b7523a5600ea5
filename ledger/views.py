"""The ledger entries page: open or all, filtered, with totals and paging, and the credit-control columns
each user chooses."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.views.generic import TemplateView

from creditcontrol.asof import as_of_date
from creditcontrol.pages import TenantPageMixin

from . import selectors
from .branches import branch_chosen
from .filters import LedgerEntryFilter
from .models import DocumentType

PAGE_SIZE = 50
# Where the user's choice of credit-control columns is kept (in the session, per tenant). The credit list
# keeps its choice on the membership through a POST route of its own; this page's choice travels with its
# filter form instead (`columns` ticked, `columns_chosen=1`), so the page stays a plain GET.
COLUMNS_SESSION_KEY = "ledger_entry_columns"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, date, money, days
    default: bool = True


# The credit-control columns a user may add to the entries table (after the ledger's own columns). The
# defaults keep the table within a 1440 px screen.
CREDIT_COLUMNS = [
    Column("status_code", "Status code"),
    Column("promised_payment_date", "Promised date", "date"),
    Column("promised_amount", "Promised amount", "money"),
    Column("query_resolution_target_date", "Resolution target", "date"),
    Column("query_resolution_by", "Resolution by", default=False),
    Column("days_overdue", "Days overdue", "days"),
    Column("days_to_pay", "Days to pay", "days", default=False),
    Column("days_late", "Days late", "days", default=False),
]


def credit_columns_chosen(chosen_keys: list[str] | None) -> list[Column]:
    """The columns in the table's order; no choice saved yet is the defaults (an empty choice is none)."""
    if chosen_keys is None:
        return [c for c in CREDIT_COLUMNS if c.default]
    return [c for c in CREDIT_COLUMNS if c.key in chosen_keys]


NARROWING_FILTERS = (
    "customer",
    "customer_code",
    "document_no",
    "due_from",
    "due_to",
    "posting_from",
    "posting_to",
    "document_from",
    "document_to",
)


class LedgerEntryListView(TenantPageMixin, TemplateView):
    template_name = "ledger/entries.html"

    def _chosen_column_keys(self) -> list[str] | None:
        """The credit-control columns ticked in the filter form, remembered in the session for this
        tenant; None (the defaults) until the user chooses, or after they ask for the defaults again."""
        session_key = f"{COLUMNS_SESSION_KEY}:{self.tenant.pk}"
        sent = self.request.GET.get("columns_chosen")
        if sent == "defaults":
            self.request.session.pop(session_key, None)
            return None
        if sent:  # the form was sent: what is ticked now, none ticked being none
            ticked = self.request.GET.getlist("columns")
            chosen = [c.key for c in CREDIT_COLUMNS if c.key in ticked]
            if self.request.session.get(session_key) != chosen:
                self.request.session[session_key] = chosen
            return chosen
        return self.request.session.get(session_key)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        branch = branch_chosen(self.request)
        # The branch context is the filter's default: a page asked without `branch` shows that branch;
        # the filter form sends `branch` always, empty for "Any", which then means every branch.
        if branch is not None and "branch" not in data:
            data["branch"] = str(branch.pk)
        filterset = LedgerEntryFilter(data or None, queryset=selectors.ledger_entries(), request=self.request)
        entries = filterset.qs.order_by("posting_date", "id")
        # Totals need one pass over the filtered rows: fine for a customer or a date range; over a whole
        # tenant's ledger they are left out rather than slow the page down.
        narrowed = any(data.get(k) for k in NARROWING_FILTERS)
        totals = selectors.ledger_entry_totals(entries) if narrowed else None
        paginator = Paginator(entries, PAGE_SIZE)
        if totals is not None:
            paginator.count = totals["count"]  # already counted: spare the second COUNT(*)
        page = (
            paginator.get_page(self.request.GET.get("page"))
            if narrowed
            else _page_without_count(entries, self.request.GET.get("page"))
        )
        query = self.request.GET.copy()
        for name in (
            "page",
            "columns",
            "columns_chosen",
        ):  # the columns are remembered: links need not carry them
            query.pop(name, None)
        today = self.tenant.today()
        as_of = as_of_date(user=self.request.user)
        credit_columns = credit_columns_chosen(self._chosen_column_keys())
        rows = list(page.object_list)
        for entry in rows:  # the figures of the rows shown, as of the user's as-of date
            entry.days_overdue = selectors.entry_days_overdue(entry, as_of=as_of)
            entry.days_to_pay = selectors.entry_days_to_pay(entry)
            entry.days_late = selectors.entry_days_late(entry)
        context.update(
            document_types=DocumentType.choices,
            filter=filterset,
            page=page,
            entries=rows,
            totals=totals,
            query=query.urlencode(),
            today=today,
            credit_columns=credit_columns,
            all_credit_columns=CREDIT_COLUMNS,
            chosen_keys=[c.key for c in credit_columns],
            customer=filterset.form.cleaned_data.get("customer")
            if filterset.is_bound and filterset.is_valid()
            else None,
        )
        return context


class _Page:
    """A page that knows whether another follows without counting the whole ledger."""

    class _Unknown:
        count = None
        num_pages = None

    paginator = _Unknown()

    def __init__(self, rows, number, has_next):
        self.object_list, self.number, self._has_next = rows, number, has_next

    def __iter__(self):
        return iter(self.object_list)

    def has_previous(self):
        return self.number > 1

    def has_next(self):
        return self._has_next

    def previous_page_number(self):
        return self.number - 1

    def next_page_number(self):
        return self.number + 1


def _page_without_count(queryset, raw_number):
    try:
        number = max(1, int(raw_number or 1))
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    return _Page(rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE)
