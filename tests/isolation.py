"""The second-tenant check and the controller check: every tenant page and endpoint, asked by a user of
another tenant, and by a credit controller of the same tenant about another controller's customer.

`TENANT_ROUTES` names every URL that carries a tenant slug, with how to fill its arguments from
tenant A's objects (`one_customer_of_everything`). `tests/test_isolation.py` fails when a route exists
that is not listed here, and `tests/test_controller_scope.py` when a route listed here has no
`CONTROLLER_SCOPE` answer, so a new page or endpoint cannot skip either check.
"""

import io
import re
import zipfile
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
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
    "credit-list-views": ("post", None),
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
    "work-date": ("post", None),
    "branch-context": ("post", None),
    "work-date-api": ("get", None),
    "aging-setup-api": ("get", None),
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
    "ledger-import-formats": ("get", None),
    "ledger-import-sample": ("get", None),
    # setup pages (creditcontrol/setup_views.py, customers/views.py, customers/member_views.py) and the bulk
    # assignment of customers to a controller
    "setup": ("get", None),
    "setup-users": ("get", None),
    "setup-user-role": ("post", "membership"),
    "setup-user-remove": ("post", "membership"),
    "setup-formats": ("get", None),
    "customers-assign": ("post", None),
    "customer-contact-new": ("post", "customer"),
    "contact-edit": ("post", "contact"),
    "setup-branches": ("get", None),
    "setup-branch": ("post", "branch"),
    "setup-payment-terms": ("get", None),
    "setup-payment-terms-edit": ("post", "payment_terms"),
    "setup-sent-mail": ("get", None),
    "setup-sent-message": ("get", "sent_message"),
    "setup-branch-active": ("post", "branch"),
    "setup-branch-delete": ("post", "branch"),
    "setup-payment-terms-active": ("post", "payment_terms"),
    "setup-payment-terms-delete": ("post", "payment_terms"),
    "status-code-edit": ("post", "status_code"),
    "status-code-active": ("post", "status_code"),
    "status-code-delete": ("post", "status_code"),
    # messaging (messaging/urls.py) and contacting the customers chosen on a list (workspace)
    "customers-contact": ("post", None),
    "message-api-list": ("get", None),
    "message-api-detail": ("get", "message"),
    "message-api-release": ("post", "message"),
    "message-api-discard": ("post", "message"),
    "message-batch-api-list": ("get", None),
    "message-batch-api-detail": ("get", "message_batch"),
    "print-run-api-list": ("get", None),
    "print-run-api-detail": ("get", "print_run"),
    "print-run-api-pdf": ("get", "print_run"),
    "message-events-api": ("post", None),
    "message-events-signed-api": ("post", None),
    "entry-document-api": ("get", "invoice"),
    "document-import": ("get", None),
    "document-import-job": ("get", "document_import_job"),
    "document-import-progress": ("get", "document_import_job"),
    "document-import-api": ("post", None),
    "document-import-job-api": ("get", "document_import_job"),
    "message-batch": ("get", "message_batch"),
    "print-runs": ("get", None),
    "print-run": ("get", "print_run"),
    "print-run-pdf": ("get", "print_run"),
    "customer-statement": ("get", "customer"),
    "customer-copies": ("get", "customer"),
    "customer-statement-pdf": ("get", "customer"),
    "outbox": ("get", None),
    "message": ("get", "message"),
    "document": ("get", "document"),
    "message-templates": ("get", None),
    "message-template-new": ("get", None),
    "message-template": ("get", "message_template"),
    "letterhead": ("get", None),
    "signing-secret": ("post", None),
    # chasing (chasing/urls.py): its setup, the runs, a run's review, a reminder; and from the workspace, a
    # customer's pause and policy (the card) and the credit list's ticked customers paused or chased
    "chasing-setup": ("get", None),
    "chasing-group": ("post", "group"),
    "chasing-policy-new": ("get", None),
    "chasing-policy": ("get", "chasing_policy"),
    "chasing-level-new": ("post", "chasing_policy"),
    "chasing-level": ("post", "chasing_level"),
    "chasing-level-delete": ("post", "chasing_level"),
    "chasing-runs": ("get", None),
    "chasing-run-start": ("post", None),
    "chasing-run": ("get", "chasing_run"),
    "chasing-run-review": ("post", "chasing_run"),
    "chasing-close-run": ("post", "chasing_run"),
    "chasing-reminder": ("get", "reminder"),
    "chasing-reminder-edit": ("post", "reminder"),
    "customer-chasing": ("post", "customer"),
    "customers-chasing": ("post", None),
    # the audit log: its page, its export and its API
    "audit-log": ("get", None),
    "audit-export": ("get", None),
    "audit-change-list": ("get", None),
    # when the ERP last fed the ledger (ledger/api.py)
    "ledger-feed-api": ("get", None),
    # the chasing API (chasing/urls_api.py); a level is named by its number: PARAMETER_LITERALS
    "chasing-policy-list": ("get", None),
    "chasing-policy-detail": ("get", "chasing_policy"),
    "chasing-policy-levels": ("get", "chasing_policy"),
    "chasing-policy-level": ("get", "chasing_policy"),
    "chasing-setup-api": ("get", None),
    "chasing-run-list": ("get", None),
    "chasing-run-detail": ("get", "chasing_run"),
    "chasing-run-reminders": ("get", "chasing_run"),
    "chasing-run-release": ("post", "chasing_run"),
    "chasing-run-drop": ("post", "chasing_run"),
    "chasing-run-close": ("post", "chasing_run"),
    "chasing-reminder-detail": ("get", "chasing_reminder"),
    "chasing-pause-api": ("post", None),
    "chasing-resume-api": ("post", None),
    "customer-chasing-api": ("get", "customer"),
    "chasing-groups-api": ("get", None),
    "chasing-group-api": ("get", "group"),
}

# Path parameters that are not an object's id.
PARAMETER_LITERALS = {"kind": "entries", "number": 1}


def route_path(format_string: str, slug: str, obj) -> str:
    """A route's path in tenant `slug`, its other parameter filled with `obj`'s id (or a made-up one)."""
    values = {"tenant_slug": slug}
    for param in re.findall(r"%\((\w+)\)s", format_string):
        if param in PARAMETER_LITERALS:
            values[param] = PARAMETER_LITERALS[param]
        elif param != "tenant_slug":
            values[param] = obj.pk if obj is not None else "00000000-0000-0000-0000-000000000001"
    return format_string % values


# How a credit controller meets another controller's customer on each route (tests/test_controller_scope.py;
# creditcontrol/scope.py). Every route of TENANT_ROUTES must be here:
#   "404"     the path names the other controller's customer or one of its rows: 404, as a missing one
#   "absent"  a list, dashboard, report, export or form: 200, with none of the other controller's rows
#   "refused" a write that names customers in its body: the other controller's is refused as unknown
#             (each has its probe in tests/test_controller_scope.py REFUSALS)
#   "shared"  the tenant's setup, jobs or a personal setting, no customer's: answered as to any member
#   "role"    not a controller's page at all: 403 before anything is looked up
#   "signed"  a provider's, signed with the tenant's secret: a member's session counts for nothing there,
#             401 without the signature (another tenant's member: 404, as on every route)
CONTROLLER_SCOPE: dict[str, str] = {
    **{name: "404" for name, (_method, key) in TENANT_ROUTES.items() if key},
    **{name: "absent" for name, (method, key) in TENANT_ROUTES.items() if method == "get" and not key},
    # setup rows and the tenant's jobs: a controller sees them like any member
    "aging-recalculation-progress": "shared",
    "recalculation-detail": "shared",
    "branch-detail": "shared",
    "customer-group-detail": "shared",
    "payment-terms-detail": "shared",
    "status-code-detail": "shared",
    "credit-list-columns": "shared",  # one's own columns
    "credit-list-views": "shared",  # one's own saved views
    "work-date": "shared",  # one's own work date
    "branch-context": "shared",  # one's own branch context
    "work-date-api": "shared",
    "ledger-import-formats": "shared",  # the import formats and their sample files: no customer's
    "ledger-import-sample": "shared",
    # writes that name customers in their body
    "credit-list-recalculate": "refused",
    "aging-recalculation-start": "refused",
    "entry-record-payment": "refused",
    "customers-contact": "refused",
    "message-events-api": "role",  # a manager's or an integration's
    "message-events-signed-api": "signed",
    # chasing: policies and runs are the tenant's; a run's reminders are each controller's (tests/chasing)
    "chasing-policy-detail": "shared",
    "chasing-policy-levels": "shared",
    "chasing-policy-level": "shared",
    "chasing-run-detail": "shared",  # its counts are of the caller's reminders
    "chasing-run-reminders": "shared",  # the caller's customers' reminders only: tests/chasing/test_api.py
    "chasing-run-release": "refused",
    "chasing-run-drop": "refused",
    "chasing-run-close": "role",  # a manager's: it drops every controller's proposals
    "chasing-pause-api": "refused",
    "chasing-group-api": "shared",  # a customer group is the tenant's setup
    "chasing-resume-api": "refused",
    # chasing: a run is every member's (its reminders are scoped: tests/chasing/test_pages.py); a start for
    # every customer names none; the review and the credit list's action name reminders or customers
    "chasing-run": "shared",
    "chasing-run-start": "shared",
    "chasing-run-review": "refused",
    "customers-chasing": "refused",
    "chasing-close-run": "role",  # a manager's (the page)
    "chasing-setup": "role",  # Setup > Chasing: a tenant admin's
    "chasing-group": "role",
    "chasing-policy-new": "role",
    "chasing-policy": "role",
    "chasing-level-new": "role",
    "chasing-level": "role",
    "chasing-level-delete": "role",
    # a tenant admin's or a manager's pages
    "aging-setup": "role",
    "aging-setup-api": "role",
    "ledger-import": "role",
    "ledger-import-job": "role",
    "ledger-import-progress": "role",
    "ledger-import-api": "role",
    "setup": "role",
    "setup-users": "role",
    "setup-user-role": "role",
    "setup-user-remove": "role",
    "setup-formats": "role",
    "customers-assign": "role",  # a manager's or an admin's
    "setup-branches": "role",
    "setup-branch": "role",
    "setup-payment-terms": "role",
    "setup-payment-terms-edit": "role",
    "setup-sent-mail": "role",
    "setup-sent-message": "role",
    "setup-branch-active": "role",
    "setup-branch-delete": "role",
    "setup-payment-terms-active": "role",
    "setup-payment-terms-delete": "role",
    "status-code-edit": "role",  # a tenant admin's (the status codes page is read by every member)
    "status-code-active": "role",
    "status-code-delete": "role",
    "message-templates": "role",
    "message-template-new": "role",
    "message-template": "role",
    "letterhead": "role",
    "document-import": "role",  # the ERP's PDFs import: a manager's, like the CSV import
    "document-import-job": "role",
    "document-import-progress": "role",
    "document-import-api": "role",
    "document-import-job-api": "role",
    "signing-secret": "role",
}


def one_customer_of_everything(tenant, *, marker: str, setup_marker: str, controller=None) -> dict:
    """One customer of `tenant` (assigned to `controller`) with one row of everything a customer has,
    each marked `marker`, and the tenant's setup rows and jobs, marked `setup_marker`: the objects that
    fill TENANT_ROUTES' ids, by key. Call it inside the tenant."""
    from django.contrib.auth import get_user_model

    from aging.services import recalculate_all
    from chasing.models import ChasingLevel, ChasingPolicy, ChasingRun, Reminder, ReminderLine
    from creditcontrol.models import Membership, Role
    from customers.models import Contact, CustomerGroup
    from customers.services import credit_limit_change
    from interactions.services import entries_update, interaction_create, status_code_create, todo_create
    from ledger.imports.jobs import import_job_start
    from ledger.services import entries_apply
    from messaging.document_import import document_import_start
    from messaging.documents import document_store, erp_document_store
    from messaging.models import Batch, BatchItem, DocumentKind, Message, MessageTemplate, PrintRun
    from messaging.services import templates_seed_defaults
    from tests import factories
    from tests.factories import D

    branch = factories.branch(code=f"{setup_marker}-BR")
    group = CustomerGroup.objects.create(code=f"{setup_marker}-GRP", name=setup_marker)
    customer = factories.customer(
        code=f"{marker}-C", name=f"{marker} Customer", branch=branch, group=group, controller=controller
    )
    contact = Contact.objects.create(customer=customer, name=f"{marker} Contact")
    invoice = factories.invoice(customer, f"{marker}-INV", "2026-01-10", "100.00")
    payment = factories.payment(customer, f"{marker}-PAY", "2026-01-20", "40.00")
    application = entries_apply(
        applying_entry_id=payment.pk, applied_entry_id=invoice.pk, posting_date=D("2026-01-20")
    )
    change = credit_limit_change(customer=customer, new_limit_lcy=Decimal("1000"), note=marker)
    upload = SimpleUploadedFile(
        "customers.csv", f"code,name\n{setup_marker}-C2,{setup_marker} Two\n".encode()
    )
    job_id = import_job_start(tenant=tenant, kind="customers", upload=upload, user=None)
    pdfs = io.BytesIO()
    with zipfile.ZipFile(pdfs, "w") as archive:
        archive.writestr(f"{marker}-INV.pdf", b"%PDF-1.4 " + marker.encode())
    document_job_id = document_import_start(
        tenant=tenant, upload=SimpleUploadedFile("documents.zip", pdfs.getvalue()), user=None
    )
    status_code = status_code_create(code=f"{setup_marker}-SC", description=setup_marker, promised=True)
    interaction = interaction_create(
        customer=customer,
        description=f"{marker} call",
        notes=marker,
        next_interaction_date=D("2099-01-05"),
    )
    promise = entries_update(
        interaction=interaction,
        status_code=status_code,
        entry_ids=[invoice.pk],
        promised_full_amount=True,
        promised_payment_date=D("2099-01-01"),
    )["promise"]
    todo = todo_create(customer=customer, description=f"{marker} to-do", due_date=D("2099-01-02"))
    document = document_store(
        customer=customer,
        kind=DocumentKind.STATEMENT,
        filename=f"{marker}.pdf",
        content=b"%PDF-1.4 " + marker.encode(),
    )
    message = Message.objects.create(
        customer=customer,
        channel="email",
        purpose="statement",
        recipient=f"{marker}@example.com",
        subject=f"{marker} statement",
        body=marker,
        internet_message_id=f"<{marker}@example.com>",
    )
    message.documents.add(document)
    erp_document_store(entry=invoice, filename=f"{marker}-INV.pdf", content=b"%PDF-1.4 " + marker.encode())
    templates_seed_defaults()
    message_template = MessageTemplate.objects.get(purpose="free", channel="email", language="en")
    message_batch = Batch.objects.create(
        channel="email",
        purpose="free",
        as_of=D("2026-01-31"),
        subject=marker,
        body=marker,
        created_by=controller,
    )
    BatchItem.objects.create(
        batch=message_batch, customer=customer, position=0, skipped=marker, processed=True
    )
    # a finished print run (made by the controller, holding the customer's letter)
    print_run = PrintRun.objects.create(
        status="finished", count=1, pages=2, pdf=b"%PDF-1.4 " + marker.encode(), created_by=controller
    )
    Message.objects.create(
        customer=customer,
        channel="letter",
        purpose="free",
        recipient=f"{marker} Customer",
        subject=f"{marker} letter",
        body=marker,
        status="sent",
        print_run=print_run,
        internet_message_id=f"<{marker}-letter@example.com>",
    )
    chasing_policy = ChasingPolicy.objects.create(name=f"{setup_marker} policy")
    chasing_level = ChasingLevel.objects.create(
        policy=chasing_policy,
        number=1,
        name=f"{setup_marker} level",
        days=3,
        template_name="Friendly reminder",
    )
    chasing_run = ChasingRun.objects.create(as_of=D("2026-02-15"), status="proposed", customers=1, proposed=1)
    chasing_reminder = Reminder.objects.create(
        run=chasing_run,
        customer=customer,
        currency_code=customer.currency_code,
        policy=chasing_policy,
        level=1,
        channel="email",
        overdue_lcy=Decimal("60.00"),
        subject=f"{marker} reminder",
    )
    ReminderLine.objects.create(
        reminder=chasing_reminder, entry=invoice, level=1, days_overdue=6, remaining=Decimal("60.00")
    )
    member = controller or get_user_model().objects.get_or_create(username=f"member-of-{tenant.slug}")[0]
    membership, _ = Membership.objects.get_or_create(
        tenant=tenant, user=member, defaults={"role": Role.VIEWER}
    )
    return {
        "membership": membership,
        "import_job": SimpleNamespace(pk=job_id),
        "document_import_job": SimpleNamespace(pk=document_job_id),
        # a message's key in the local mailbox (creditcontrol.sent_mail): found by key only in its tenant
        "sent_message": SimpleNamespace(pk="1795995622.M799876P17507Q1.host"),
        "recalculation_run": recalculate_all(trigger="command"),
        "customer": customer,
        "contact": contact,
        "invoice": invoice,
        "application": application,
        "credit_limit_change": change,
        "branch": branch,
        "group": group,
        "payment_terms": customer.payment_terms,
        "status_code": status_code,
        "interaction": interaction,
        "promise": promise,
        "todo": todo,
        "document": document,
        "message": message,
        "message_template": message_template,
        "message_batch": message_batch,
        "print_run": print_run,
        "chasing_policy": chasing_policy,
        "chasing_run": chasing_run,
        "chasing_reminder": chasing_reminder,
        "chasing_level": chasing_level,
        "reminder": chasing_reminder,
    }
