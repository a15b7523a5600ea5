"""The ledger entries page: open or all, filtered, with totals and paging."""

from django.core.paginator import Paginator
from django.views.generic import TemplateView

from creditcontrol.pages import TenantPageMixin

from . import selectors
from .filters import LedgerEntryFilter
from .models import DocumentType

PAGE_SIZE = 50
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = LedgerEntryFilter(
            self.request.GET or None, queryset=selectors.ledger_entries(), request=self.request
        )
        entries = filterset.qs.order_by("posting_date", "id")
        # Totals need one pass over the filtered rows: fine for a customer or a date range; over a whole
        # tenant's ledger they are left out rather than slow the page down.
        narrowed = any(self.request.GET.get(k) for k in NARROWING_FILTERS)
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
        query.pop("page", None)
        context.update(
            document_types=DocumentType.choices,
            filter=filterset,
            page=page,
            entries=page.object_list,
            totals=totals,
            query=query.urlencode(),
            today=self.tenant.today(),
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
