"""Demo data: realistic tenants built set-based in SQL, so 10,000,000 entries take minutes, not hours.

Each customer gets a payment behaviour (prompt, steady, late, chronic); invoices over the last 18
months are settled accordingly: in full, in part, by a credit memo and a payment, or not yet. A few
customers carry unapplied payments on account. Foreign-currency customers get EUR/USD entries with an
LCY amount at a posting rate that moves from day to day.
"""

import datetime
import time
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from aging.models import CustomerStatistics
from aging.services import statistics_rows_ensure
from creditcontrol.models import Membership, Role, Tenant
from creditcontrol.rowsecurity import owner_connection
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Branch, Customer, CustomerGroup, PaymentTerms
from interactions.models import StatusCode
from interactions.services import entries_update, interaction_create
from ledger import arithmetic
from ledger.feeds import ledger_fed
from ledger.models import DocumentType, LedgerEntry

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (published demo sign-in)

DEMO_TENANTS = [
    {
        "slug": "northwind",
        "name": "Northwind Supplies Ltd",
        "local_currency": "GBP",
        "time_zone": "Europe/London",
        "country": "GB",
        "language": "en-gb",
        "foreign": ["EUR", "USD"],
    },
    {
        "slug": "kontor",
        "name": "Kontor Handel GmbH",
        "local_currency": "EUR",
        "time_zone": "Europe/Berlin",
        "country": "DE",
        "language": "de-de",  # pages write and read 1.234,56 EUR and 29.11.2026
        "foreign": ["GBP", "CHF"],
    },
]
# username -> role in the first tenant; the admin is also admin of the second, to show the switcher.
DEMO_USERS = {
    "admin": Role.ADMIN,
    "manager": Role.MANAGER,
    "controller": Role.CONTROLLER,
    "controller2": Role.CONTROLLER,
    "viewer": Role.VIEWER,
}

Progress = Callable[[str], None]


def demo_users_ensure(tenants: list[Tenant]) -> None:
    User = get_user_model()
    for username, role in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": username.title(), "email": f"{username}@example.com"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, tenant=tenants[0], defaults={"role": role})
    for tenant in tenants[1:]:
        for username, role in (("admin", Role.ADMIN), ("manager", Role.MANAGER), ("viewer", Role.VIEWER)):
            Membership.objects.get_or_create(
                user=User.objects.get(username=username), tenant=tenant, defaults={"role": role}
            )


def _setup_tables(tenant: Tenant) -> None:
    for code, name in (("LON", "London"), ("MAN", "Manchester"), ("EDI", "Edinburgh")):
        Branch.objects.get_or_create(code=code, defaults={"name": name})
    for code, rule, days in (
        ("14D", "net", 14),
        ("30D", "net", 30),
        ("60D", "net", 60),
        ("EOM30", "eom", 30),
    ):
        PaymentTerms.objects.get_or_create(
            code=code, defaults={"rule": rule, "days": days, "description": f"{code} terms"}
        )
    retail, _ = CustomerGroup.objects.get_or_create(code="RETAIL", defaults={"name": "Retail"})
    for code, name in (("RET-N", "Retail North"), ("RET-S", "Retail South")):
        CustomerGroup.objects.get_or_create(code=code, defaults={"name": name, "parent": retail})
    for code, name in (("WHOLESALE", "Wholesale"), ("PUBLIC", "Public sector")):
        CustomerGroup.objects.get_or_create(code=code, defaults={"name": name})


def demo_calls(tenant: Tenant, *, count: int = 12) -> int:
    """A controller's recent work on the most overdue customers, so that the dashboard, the to-do list and
    the timelines have something to show: calls with a part-payment promise, a query, follow-ups."""
    with tenant_context(tenant):
        today = tenant.today()
        codes = {c.code: c for c in StatusCode.objects.all()}
        if not codes:
            return 0
        made = 0
        most_overdue = (
            CustomerStatistics.objects.filter(overdue_balance_lcy__gt=0)
            .select_related("customer", "customer__controller")
            .order_by("-overdue_balance_lcy")[:count]
        )
        for index, statistics in enumerate(most_overdue):
            customer, controller = statistics.customer, statistics.customer.controller
            oldest = list(
                LedgerEntry.objects.filter(
                    customer=customer, is_open=True, document_type=DocumentType.INVOICE
                ).order_by("due_date")[:2]
            )
            if not oldest:
                continue
            interaction = interaction_create(
                customer=customer,
                user=controller,
                controller=controller,
                description="Chased the oldest overdue invoices",
                notes="Spoke to accounts payable.",
                entry_ids=[e.pk for e in oldest],
                next_interaction_date=today + datetime.timedelta(days=index % 4),
            )
            if index % 3 == 2 and "QUERIED" in codes:
                entries_update(
                    interaction=interaction,
                    user=controller,
                    status_code=codes["QUERIED"],
                    query_resolution_target_date=today + datetime.timedelta(days=7),
                )
            elif "PROMISED" in codes:
                amount = (oldest[0].remaining_amount / 2).quantize(Decimal("0.01"))
                entries_update(
                    interaction=interaction,
                    user=controller,
                    status_code=codes["PROMISED"],
                    entry_ids=[oldest[0].pk],
                    promised_amount=amount,
                    promised_payment_date=today + datetime.timedelta(days=1 + index % 6),
                )
            made += 1
        return made


def tenant_seed(tenant: Tenant, *, customers: int, entries: int, progress: Progress) -> dict:
    """Fill a tenant with `customers` customers and about `entries` ledger entries (once: skips a filled one).

    Seeding is maintenance: it runs as the tables' owner, which may set the big load's indexes aside.
    """
    with owner_connection(), tenant_context(tenant):
        if Customer.objects.exists():
            progress(f"{tenant.slug}: already has data, left as it is")
            return {"customers": Customer.objects.count(), "skipped": True}
        tenant_initialise(tenant)
        _setup_tables(tenant)
        controllers = list(
            Membership.objects.filter(tenant=tenant, role=Role.CONTROLLER).values_list("user_id", flat=True)
        ) or list(Membership.objects.filter(tenant=tenant).values_list("user_id", flat=True)[:1])
        foreign = (
            next(t["foreign"] for t in DEMO_TENANTS if t["slug"] == tenant.slug)
            if any(t["slug"] == tenant.slug for t in DEMO_TENANTS)
            else ["EUR", "USD"]
        )
        params = {
            "tenant": tenant.pk,
            "customers": customers,
            "invoices": max(1, int(entries / 2.05)),
            "lcy": tenant.local_currency,
            "fx1": foreign[0],
            "fx2": foreign[1],
            "controllers": controllers or [None],
            "today": tenant.today(),
        }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checked per statement, so indexes can be built
            # A big load is far cheaper with the ledger tables' secondary indexes, the external-id unique
            # constraint and the foreign keys built (and checked) once afterwards, set-based, than kept up
            # and checked row by row. They are all back, validated, before the transaction commits.
            rebuild = _ledger_load_drop(cursor) if params["invoices"] > 100_000 else None
            for label, sql in _SEED_STEPS:
                started = time.monotonic()
                cursor.execute(sql, params)
                progress(
                    f"{tenant.slug}: {label} ({cursor.rowcount:,} rows, {time.monotonic() - started:.1f} s)"
                )
            if rebuild:
                _ledger_load_restore(cursor, rebuild, lambda message: progress(f"{tenant.slug}: {message}"))
            # Fresh table statistics before anything plans a query over the new rows.
            started = time.monotonic()
            cursor.execute(
                "ANALYZE ledger_ledgerentry; ANALYZE ledger_application; ANALYZE customers_customer; "
                "ANALYZE ledger_customerbranch"
            )
            statistics_rows_ensure()  # every customer stale; seed_demo's Recalculate All follows
            # As if the ERP had just fed it (chasing leaves a ledger not fed for days alone).
            ledger_fed(branch_ids=Branch.objects.values_list("pk", flat=True))
            progress(f"{tenant.slug}: analysed, statistics rows added ({time.monotonic() - started:.1f} s)")
        return {"customers": customers, "skipped": False}


_LEDGER_TABLES = ("ledger_ledgerentry", "ledger_application")


def _ledger_load_drop(cursor) -> dict:
    """Drop the ledger tables' foreign keys, unique constraints (not the primary keys) and other
    indexes; return their definitions for `_ledger_load_restore`."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u'))
        """,
        [list(_LEDGER_TABLES)],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
          FROM pg_constraint
         WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')
         ORDER BY contype, conrelid::regclass::text, conname
        """,
        [list(_LEDGER_TABLES)],
    )
    constraints = cursor.fetchall()
    for table, name, _, _ in constraints:  # foreign keys first ('f' < 'u')
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return {"indexes": indexes, "constraints": constraints}


def _ledger_load_restore(cursor, rebuild: dict, progress: Progress) -> None:
    started = time.monotonic()
    for _, definition in rebuild["indexes"]:
        cursor.execute(definition)
    uniques = [c for c in rebuild["constraints"] if c[3] == "u"]
    for table, name, definition, _ in uniques:  # unique constraints before the foreign keys
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    progress(f"{len(rebuild['indexes']) + len(uniques)} indexes rebuilt ({time.monotonic() - started:.1f} s)")
    started = time.monotonic()
    foreign_keys = [c for c in rebuild["constraints"] if c[3] == "f"]
    for table, name, definition, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition} NOT VALID')
    for table, name, _, _ in foreign_keys:  # one set-based check per key instead of one per row
        cursor.execute(f'ALTER TABLE "{table}" VALIDATE CONSTRAINT "{name}"')
    progress(f"{len(foreign_keys)} foreign keys restored and validated ({time.monotonic() - started:.1f} s)")


_SEED_STEPS = [
    (
        "customers",
        """
        INSERT INTO customers_customer (tenant_id, code, name, customer_type, group_id, branch_id, currency_code,
               payment_terms_id, credit_limit_lcy, blocked, hold_all, controller_id, email, phone, address, city,
               country, tags, custom_fields, created_at, updated_at)
        SELECT %(tenant)s,
               'C' || lpad(i::text, 6, '0'),
               (ARRAY['Acme','Baker','Castle','Delta','Evergreen','Falcon','Granite','Harbour','Ironside','Juniper',
                      'Kestrel','Lakeside','Meridian','Northgate','Oakwood','Pinnacle','Quayside','Redwood','Summit',
                      'Thornbury','Upland','Vantage','Westbrook','Yardley'])[1 + (i * 7) %% 24]
               || ' ' || (ARRAY['Foods','Builders','Motors','Textiles','Pharmacy','Engineering','Logistics','Hotels',
                      'Garden Centre','Electrical','Print','Dairy','Timber','Plastics'])[1 + (i * 13) %% 14]
               || ' ' || (ARRAY['Ltd','plc','& Sons','Group','Trading','LLP'])[1 + (i * 5) %% 6]
               || CASE WHEN i > 2016 THEN ' ' || i::text ELSE '' END,
               (ARRAY['Business','Business','Business','Retail','Public sector'])[1 + i %% 5],
               k.groups[1 + i %% 5], k.branches[1 + i %% 3],
               CASE WHEN i %% 10 < 7 THEN %(lcy)s WHEN i %% 10 < 9 THEN %(fx1)s ELSE %(fx2)s END,
               k.terms[1 + i %% 4],
               CASE WHEN i %% 9 = 0 THEN NULL ELSE (ARRAY[0, 2500, 5000, 10000, 25000, 50000, 100000])[1 + i %% 7] END,
               i %% 97 = 0, i %% 211 = 0,
               (%(controllers)s::int[])[1 + i %% cardinality(%(controllers)s::int[])],
               'accounts' || i || '@example.com', '+44 20 7946 ' || lpad((i %% 10000)::text, 4, '0'),
               i || ' High Street',
               (ARRAY['London','Leeds','Manchester','Bristol','Glasgow','Cardiff','Birmingham','Norwich','York',
                      'Exeter','Leicester'])[1 + i %% 11],
               'GB',
               CASE WHEN i %% 17 = 0 THEN ARRAY['key-account'] ELSE ARRAY[]::varchar[] END,
               '{}'::jsonb, now(), now()
          FROM generate_series(1, %(customers)s) AS i
         CROSS JOIN (SELECT ARRAY(SELECT id FROM customers_customergroup WHERE tenant_id = %(tenant)s ORDER BY id)
                            AS groups,
                            ARRAY(SELECT id FROM customers_branch WHERE tenant_id = %(tenant)s ORDER BY id) AS branches,
                            ARRAY(SELECT id FROM customers_paymentterms WHERE tenant_id = %(tenant)s ORDER BY id)
                            AS terms) k
    """,
    ),
    (
        "contacts",
        """
        INSERT INTO customers_contact (tenant_id, customer_id, name, position, email, phone, is_primary,
               is_credit_control_contact, is_inactive)
        SELECT c.tenant_id, c.id, n.name || ' ' || split_part(c.name, ' ', 1), n.position,
               lower(n.name) || '@' || lower(split_part(c.name, ' ', 1)) || '.example.com', c.phone,
               n.k = 1, n.k = 2, false
          FROM customers_customer c
         CROSS JOIN (VALUES (1, 'Sam', 'Finance director'), (2, 'Alex', 'Accounts payable')) AS n(k, name, position)
         WHERE c.tenant_id = %(tenant)s
    """,
    ),
    (
        "customer behaviour",
        """
        CREATE TEMP TABLE demo_customer ON COMMIT DROP AS
        SELECT c.id, c.currency_code, c.branch_id, p.days AS terms_days, p.rule,
               -- 0 prompt, 1 steady, 2 late, 3 chronic
               (ARRAY[0, 0, 1, 1, 1, 2, 2, 3])[1 + (c.id * 31) %% 8] AS behaviour,
               row_number() OVER (ORDER BY c.id) AS n,
               ARRAY(SELECT b.id FROM customers_branch b WHERE b.tenant_id = %(tenant)s ORDER BY b.id) AS branches
          FROM customers_customer c JOIN customers_paymentterms p ON p.id = c.payment_terms_id
         WHERE c.tenant_id = %(tenant)s
    """,
    ),
    (
        "invoices and their settlements planned",
        f"""
        CREATE TEMP TABLE demo_settle ON COMMIT DROP AS
        SELECT s.*, nextval('ledger_ledgerentry_id_seq') AS invoice_id,
               CASE WHEN s.credit_memo_amount > 0 THEN nextval('ledger_ledgerentry_id_seq') END AS credit_memo_id,
               CASE WHEN s.paid > 0 THEN nextval('ledger_ledgerentry_id_seq') END AS payment_id,
               {arithmetic.remaining_sql("'invoice'", "s.amount", "s.credit_memo_amount + s.paid")} AS remaining,
               GREATEST(CASE WHEN s.credit_memo_amount > 0 THEN s.credit_memo_date END,
                        CASE WHEN s.paid > 0 THEN s.pay_date END) AS last_settled_on
          FROM (SELECT p.*,
                       CASE WHEN p.pay_date <= %(today)s THEN round((p.amount - p.credit_memo_amount) * p.pay_share, 2)
                            ELSE 0 END AS paid
                  FROM (SELECT v.*, LEAST(v.posting_date + 5 + (v.r2 * 20)::int, %(today)s::date) AS credit_memo_date,
                               CASE WHEN v.r1 < 0.05 THEN round(v.amount * 0.2, 2) ELSE 0 END AS credit_memo_amount,
                               v.due_date + CASE v.behaviour WHEN 0 THEN -5 + (v.r2 * 8)::int
                                                 WHEN 1 THEN (v.r2 * 20)::int WHEN 2 THEN 15 + (v.r2 * 45)::int
                                                 ELSE 40 + (v.r2 * 160)::int END AS pay_date,
                               CASE WHEN v.r1 > 0.92 THEN 0.5 ELSE 1.0 END AS pay_share
                          FROM (-- the planned invoices; OFFSET 0 keeps each random() drawn once per invoice
                                -- every 7th customer trades through two or three branches (the branch
                                -- context's case: one customer, figures in more than one place)
                                SELECT i, c.id AS customer_id, c.currency_code, c.behaviour,
                                       CASE WHEN c.n %% 7 = 0
                                            THEN COALESCE(c.branches[1 + (hashint4(i + 13) & 2147483647)
                                                                     %% (2 + c.n %% 2)], c.branch_id)
                                            ELSE c.branch_id END AS branch_id,
                                       d.posting_date,
                                       {arithmetic.due_date_sql("'invoice'", "c.rule", "c.terms_days", "d.posting_date")}
                                           AS due_date,
                                       round((50 + random() * random() * 9950)::numeric, 2) AS amount,
                                       random() AS r1, random() AS r2,
                                       CASE c.currency_code WHEN %(lcy)s THEN 1.0
                                            ELSE round((CASE c.currency_code WHEN %(fx1)s THEN 0.86 ELSE 0.79 END
                                                        * (1 + 0.04 * sin(d.posting_date - date '2020-01-01')))::numeric,
                                                       6) END AS rate
                                  FROM generate_series(1, %(invoices)s) AS i
                                  JOIN demo_customer c ON c.n = 1 + (hashint4(i) & 2147483647) %% %(customers)s
                                 CROSS JOIN LATERAL (SELECT %(today)s::date - (hashint4(i + 7) & 2147483647) %% 540
                                                            AS posting_date) d
                                OFFSET 0) v) p) s
    """,
    ),
    (
        "invoices, credit memos and payments",
        # One pass, in id order: each invoice followed by its credit memo and its payment (if any), each
        # settled by ledger.arithmetic's rules (a credit memo or payment fully applied closes on its date).
        f"""
        INSERT INTO ledger_ledgerentry (id, tenant_id, external_id, customer_id, document_type, document_no,
               posting_date, document_date, due_date, description, currency_code, amount, amount_lcy,
               remaining_amount, remaining_amount_lcy, is_open, closed_at, branch_id, on_hold, settled_by_payment,
               created_at, updated_at)
        SELECT e.id, %(tenant)s, e.external_id, s.customer_id, e.document_type, e.document_no, e.posting_date,
               e.posting_date, e.due_date, e.description, s.currency_code, e.amount, e.amount_lcy,
               e.remaining_amount, e.remaining_amount_lcy, e.is_open, e.closed_at, s.branch_id, false,
               e.settled_by_payment, now(), now()
          FROM demo_settle s
         CROSS JOIN LATERAL (SELECT round(s.amount * s.rate, 2) AS amount_lcy) l
         CROSS JOIN LATERAL (VALUES
               (s.invoice_id, 'INV-' || s.i, 'invoice', 'SI' || lpad(s.i::text, 8, '0'), s.posting_date, s.due_date,
                'Sales invoice', s.amount, l.amount_lcy, s.remaining,
                {arithmetic.remaining_lcy_sql("s.remaining", "s.amount", "l.amount_lcy")},
                s.remaining <> 0, {arithmetic.closed_at_sql("s.remaining", "s.posting_date", "s.last_settled_on")},
                s.paid > 0),
               (s.credit_memo_id, 'CM-' || s.i, 'credit_memo', 'SCM' || lpad(s.i::text, 8, '0'), s.credit_memo_date,
                s.credit_memo_date, 'Credit memo: returned goods', -s.credit_memo_amount,
                -round(s.credit_memo_amount * s.rate, 2), 0, 0, false, s.credit_memo_date, false),
               (s.payment_id, 'PAY-' || s.i, 'payment', 'PMT' || lpad(s.i::text, 8, '0'), s.pay_date, s.pay_date,
                'Payment received', -s.paid, -round(s.paid * s.rate * 1.002, 2), 0, 0, false, s.pay_date, false)
               ) AS e(id, external_id, document_type, document_no, posting_date, due_date, description, amount,
                      amount_lcy, remaining_amount, remaining_amount_lcy, is_open, closed_at, settled_by_payment)
         WHERE e.id IS NOT NULL
    """,
    ),
    (
        "payments on account (unapplied)",
        """
        INSERT INTO ledger_ledgerentry (tenant_id, external_id, customer_id, document_type, document_no, posting_date,
               document_date, due_date, description, currency_code, amount, amount_lcy, remaining_amount,
               remaining_amount_lcy, is_open, closed_at, branch_id, on_hold, created_at, updated_at)
        SELECT %(tenant)s, 'POA-' || c.id, c.id, 'payment', 'POA' || lpad(c.id::text, 8, '0'),
               %(today)s::date - (c.id %% 40)::int, %(today)s::date - (c.id %% 40)::int, %(today)s::date - (c.id %% 40)::int,
               'Payment on account', c.currency_code, -a.amount,
               -round(a.amount * CASE WHEN c.currency_code = %(lcy)s THEN 1 ELSE 0.85 END, 2),
               -a.amount, -round(a.amount * CASE WHEN c.currency_code = %(lcy)s THEN 1 ELSE 0.85 END, 2),
               true, NULL, c.branch_id, false, now(), now()
          FROM demo_customer c CROSS JOIN LATERAL (SELECT (100 + (c.id %% 50) * 20)::numeric(18, 2) AS amount) a
         WHERE c.id %% 29 = 0
    """,
    ),
    (
        "applications",
        """
        INSERT INTO ledger_application (tenant_id, external_id, applying_entry_id, applied_entry_id, amount,
               posting_date, created_at)
        SELECT %(tenant)s, NULL, credit_memo_id, invoice_id, credit_memo_amount, credit_memo_date, now()
          FROM demo_settle WHERE credit_memo_id IS NOT NULL
        UNION ALL
        SELECT %(tenant)s, NULL, payment_id, invoice_id, paid, pay_date, now()
          FROM demo_settle WHERE payment_id IS NOT NULL
    """,
    ),
]
