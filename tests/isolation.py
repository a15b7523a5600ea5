"""The second-tenant check: every tenant page and endpoint, asked by a user of another tenant.

`TENANT_ROUTES` names every URL that carries a tenant slug, with how to fill its arguments from
tenant A's objects. `tests/test_isolation.py` fails when a route exists that is not listed here, so a
new page or endpoint cannot skip the check.
"""

from django.urls import get_resolver


def tenant_routes() -> dict[str, str]:
    """{url name: path format} for every named route whose path takes a tenant slug."""
    routes = {}
    resolver = get_resolver()
    for name, entries in resolver.reverse_dict.lists():
        if not isinstance(name, str):
            continue
        for possibilities, _pattern, _defaults, _converters in entries:
            for format_string, params in possibilities:
                if "tenant_slug" in params:
                    routes[name] = "/" + format_string
    return routes


# name -> (method, key of tenant A's object whose id fills the path's other parameter, or None)
TENANT_ROUTES: dict[str, tuple[str, str | None]] = {
    # pages
    "dashboard": ("get", None),
    "customers": ("get", None),
    "customer-card": ("get", "customer"),
    "ledger-entries": ("get", None),
    "credit-list": ("get", None),
    "credit-list-columns": ("post", None),
    "credit-list-export": ("get", None),
    "credit-list-recalculate": ("post", None),
    "customer-factbox": ("get", "customer"),
    "record-payment": ("post", "customer"),
    "balance-due": ("get", None),
    "search": ("get", None),
    "aging-setup": ("get", None),
    "aging-recalculations": ("get", None),
    "aging-recalculation-start": ("post", None),
    "aging-recalculation-progress": ("get", "recalculation_run"),
    "customer-statistics-list": ("get", None),
    "customer-statistics-detail": ("get", "customer"),
    "recalculation-list": ("get", None),
    "recalculation-detail": ("get", "recalculation_run"),
    "tenant-kpis": ("get", None),
    # customers API
    "customer-list": ("get", None),
    "customer-detail": ("get", "customer"),
    "contact-list": ("get", None),
    "contact-detail": ("get", "contact"),
    "credit-limit-change-list": ("get", None),
    "credit-limit-change-detail": ("get", "credit_limit_change"),
    "branch-list": ("get", None),
    "branch-detail": ("get", "branch"),
    "customer-group-list": ("get", None),
    "customer-group-detail": ("get", "group"),
    "payment-terms-list": ("get", None),
    "payment-terms-detail": ("get", "payment_terms"),
    # ledger API
    "entry-list": ("get", None),
    "entry-detail": ("get", "invoice"),
    "entry-record-payment": ("post", None),
    "application-list": ("get", None),
    "application-detail": ("get", "application"),
    "application-undo": ("post", "application"),
    "customer-balance": ("get", "customer"),
    # interactions pages
    "interactions": ("get", None),
    "interaction-create": ("get", None),
    "interaction": ("get", "interaction"),
    "interaction-lines": ("post", "interaction"),
    "interaction-entries-update": ("post", "interaction"),
    "interaction-entry-fields": ("get", None),
    "todos": ("get", None),
    "todo-new": ("get", None),
    "todo-done": ("post", "todo"),
    "status-codes": ("get", None),
    "promises": ("get", None),
    "customer-timeline": ("get", "customer"),
    "customer-timeline-pdf": ("get", "customer"),
    # interactions API
    "status-code-list": ("get", None),
    "status-code-detail": ("get", "status_code"),
    "interaction-list": ("get", None),
    "interaction-detail": ("get", "interaction"),
    "interaction-select-lines": ("post", "interaction"),
    "interaction-update-entries": ("post", "interaction"),
    "todo-list": ("get", None),
    "todo-detail": ("get", "todo"),
    "todo-close": ("post", "todo"),
    "promise-list": ("get", None),
    "promise-detail": ("get", "promise"),
    "promise-kept-rates": ("get", None),
    "customer-timeline-api": ("get", "customer"),
    # imports (the job id is tenant A's import job; `kind` is a literal, see PARAMETER_LITERALS)
    "ledger-import": ("get", None),
    "ledger-import-job": ("get", "import_job"),
    "ledger-import-progress": ("get", "import_job"),
    "ledger-import-api": ("post", None),
}

# Path parameters that are not an object's id.
PARAMETER_LITERALS = {"kind": "entries"}
