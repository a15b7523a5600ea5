"""The API docs' sections (OpenAPI tags), plain data so the settings can list them: each section's
description and the resources it holds (the path segment after `/api/t/{tenant_slug}/`)."""

# section -> (what it holds, the resources: the path segment after the tenant)
SECTIONS = {
    "customers": (
        "Customers, their contacts and credit limit changes.",
        ("customers", "contacts", "credit-limit-changes"),
    ),
    "ledger": (
        "Customer ledger entries, payments and the applications that close entries.",
        ("entries", "applications", "ledger"),
    ),
    "imports": (
        "Loading customers and ledger entries from CSV files, and the ERP's PDFs of entries from a ZIP file.",
        ("import", "documents"),
    ),
    "statistics": (
        "Customer statistics, KPIs (DSO, CEI) and recalculation runs.",
        ("statistics", "kpis", "recalculations"),
    ),
    "interactions": (
        "Interactions with customers, to-dos and payment promises.",
        ("interactions", "todos", "promises"),
    ),
    "messages": (
        "Statements and messages to customers: batches, the outbox, delivery events, letters' print runs.",
        ("messages",),
    ),
    "chasing": (
        "Chasing: policies of reminder levels, the schedule, runs and their reminders (review, release, "
        "drop, edit), pauses.",
        ("chasing",),
    ),
    "audit": ("The audit log: every change to what matters, who or what made it, and why.", ("audit",)),
    "setup": (
        "The tenant's setup: branches, customer groups, payment terms, status codes, aging.",
        ("branches", "customer-groups", "payment-terms", "status-codes", "aging"),
    ),
    "me": ("The signed-in user's own settings (the work date).", ("me",)),
}
TAGS = {resource: section for section, (_, resources) in SECTIONS.items() for resource in resources}
TAG_LIST = [{"name": section, "description": description} for section, (description, _) in SECTIONS.items()]
