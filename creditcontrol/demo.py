"""Demo data: realistic tenants built set-based in SQL, so 10,000,000 entries take minutes, not hours.

Each customer gets a payment behaviour (prompt, steady, late, chronic); invoices over the last 18
months are settled accordingly: in full, in part, by a credit memo and a payment, or not yet. A few
customers carry unapplied payments on account. Foreign-currency customers get EUR/USD entries with an
LCY amount at a posting rate that moves from day to day.
"""

import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from aging.services import statistics_rows_ensure
from creditcontrol.models import Membership, Role, Tenant
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Branch, Customer, CustomerGroup, PaymentTerms

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (published demo sign-in)

DEMO_TENANTS = [
    {
        "slug": "northwind",
        "name": "Northwind Supplies Ltd",
        "local_currency": "GBP",
        "time_zone": "Europe/London",
        "country": "GB",
        "foreign": ["EUR", "USD"],
    },
    {
        "slug": "kontor",
        "name": "Kontor Handel GmbH",
        "local_currency": "EUR",
        "time_zone": "Europe/Berlin",
        "country": "DE",
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


def tenant_seed(tenant: Tenant, *, customers: int, entries: int, progress: Progress) -> dict:
    """Fill a tenant with `customers` customers and about `entries` ledger entries (once: skips a filled one)."""
    with tenant_context(tenant):
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
            # A big load is far cheaper with the secondary indexes built once afterwards than kept up row by row.
            rebuild = _secondary_indexes(cursor) if params["invoices"] > 100_000 else []
            for name, _ in rebuild:
                cursor.execute(f'DROP INDEX "{name}"')
            for label, sql in _SEED_STEPS:
                started = time.monotonic()
                cursor.execute(sql, params)
                progress(
                    f"{tenant.slug}: {label} ({cursor.rowcount:,} rows, {time.monotonic() - started:.1f} s)"
                )
            if rebuild:
                started = time.monotonic()
                for _, definition in rebuild:
                    cursor.execute(definition)
                progress(
                    f"{tenant.slug}: {len(rebuild)} indexes rebuilt ({time.monotonic() - started:.1f} s)"
                )
            # Fresh table statistics before anything plans a query over the new rows.
            cursor.execute(
                "ANALYZE ledger_ledgerentry; ANALYZE ledger_application; ANALYZE customers_customer"
            )
            statistics_rows_ensure()  # every customer stale; seed_demo's Recalculate All follows
        return {"customers": customers, "skipped": False}


def _secondary_indexes(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid IN ('ledger_ledgerentry'::regclass, 'ledger_application'::regclass)
           AND NOT i.indisunique AND NOT i.indisprimary
        """
    )
    return cursor.fetchall()


_SEED_STEPS = [
    (
        "customers",
        """
        INSERT INTO customers_customer (tenant_id, code, name, customer_type, group_id, branch_id, currency_code,
               payment_terms_id, credit_limit_lcy, blocked, hold_all, controller_id, email, phone, address, country,
               tags, custom_fields, created_at, updated_at)
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
               (SELECT id FROM customers_customergroup g WHERE g.tenant_id = %(tenant)s ORDER BY id
                 OFFSET i %% 5 LIMIT 1),
               (SELECT id FROM customers_branch b WHERE b.tenant_id = %(tenant)s ORDER BY id OFFSET i %% 3 LIMIT 1),
               CASE WHEN i %% 10 < 7 THEN %(lcy)s WHEN i %% 10 < 9 THEN %(fx1)s ELSE %(fx2)s END,
               (SELECT id FROM customers_paymentterms p WHERE p.tenant_id = %(tenant)s ORDER BY id
                 OFFSET i %% 4 LIMIT 1),
               CASE WHEN i %% 9 = 0 THEN NULL ELSE (ARRAY[0, 2500, 5000, 10000, 25000, 50000, 100000])[1 + i %% 7] END,
               i %% 97 = 0, i %% 211 = 0,
               (%(controllers)s::int[])[1 + i %% cardinality(%(controllers)s::int[])],
               'accounts' || i || '@example.com', '+44 20 7946 ' || lpad((i %% 10000)::text, 4, '0'),
               i || ' High Street', 'GB',
               CASE WHEN i %% 17 = 0 THEN ARRAY['key-account'] ELSE ARRAY[]::varchar[] END,
               '{}'::jsonb, now(), now()
          FROM generate_series(1, %(customers)s) AS i
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
               row_number() OVER (ORDER BY c.id) AS n
          FROM customers_customer c JOIN customers_paymentterms p ON p.id = c.payment_terms_id
         WHERE c.tenant_id = %(tenant)s
    """,
    ),
    (
        "invoices planned",
        """
        CREATE TEMP TABLE demo_invoice ON COMMIT DROP AS
        SELECT i, c.id AS customer_id, c.currency_code, c.branch_id, c.behaviour, d.posting_date,
               CASE WHEN c.rule = 'eom'
                    THEN (date_trunc('month', d.posting_date) + interval '1 month - 1 day')::date + c.terms_days
                    ELSE d.posting_date + c.terms_days END AS due_date,
               round((50 + random() * random() * 9950)::numeric, 2) AS amount,
               random() AS r1, random() AS r2,
               CASE c.currency_code WHEN %(lcy)s THEN 1.0
                    ELSE round((CASE c.currency_code WHEN %(fx1)s THEN 0.86 ELSE 0.79 END
                                * (1 + 0.04 * sin(d.posting_date - date '2020-01-01')))::numeric, 6) END AS rate
          FROM generate_series(1, %(invoices)s) AS i
          JOIN demo_customer c ON c.n = 1 + (hashint4(i) & 2147483647) %% %(customers)s
         CROSS JOIN LATERAL (SELECT %(today)s::date - (hashint4(i + 7) & 2147483647) %% 540 AS posting_date) d
    """,
    ),
    (
        "settlements planned",
        """
        CREATE TEMP TABLE demo_settle ON COMMIT DROP AS
        SELECT s.*, nextval('ledger_ledgerentry_id_seq') AS invoice_id,
               CASE WHEN s.credit_memo_amount > 0 THEN nextval('ledger_ledgerentry_id_seq') END AS credit_memo_id,
               CASE WHEN s.paid > 0 THEN nextval('ledger_ledgerentry_id_seq') END AS payment_id,
               s.amount - s.credit_memo_amount - s.paid AS remaining,
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
                          FROM demo_invoice v) p) s
    """,
    ),
    (
        "invoices",
        """
        INSERT INTO ledger_ledgerentry (id, tenant_id, external_id, customer_id, document_type, document_no,
               posting_date, document_date, due_date, description, currency_code, amount, amount_lcy,
               remaining_amount, remaining_amount_lcy, is_open, closed_at, branch_id, on_hold, settled_by_payment,
               created_at, updated_at)
        SELECT invoice_id, %(tenant)s, 'INV-' || i, customer_id, 'invoice', 'SI' || lpad(i::text, 8, '0'),
               posting_date, posting_date, due_date, 'Sales invoice', currency_code, amount, l.amount_lcy, remaining,
               CASE WHEN remaining = amount THEN l.amount_lcy WHEN remaining = 0 THEN 0
                    ELSE round(remaining * l.amount_lcy / amount, 2) END,
               remaining <> 0, CASE WHEN remaining = 0 THEN last_settled_on END, branch_id, false, paid > 0,
               now(), now()
          FROM demo_settle CROSS JOIN LATERAL (SELECT round(amount * rate, 2) AS amount_lcy) l
    """,
    ),
    (
        "credit memos",
        """
        INSERT INTO ledger_ledgerentry (id, tenant_id, external_id, customer_id, document_type, document_no,
               posting_date, document_date, due_date, description, currency_code, amount, amount_lcy,
               remaining_amount, remaining_amount_lcy, is_open, closed_at, branch_id, on_hold, created_at, updated_at)
        SELECT credit_memo_id, %(tenant)s, 'CM-' || i, customer_id, 'credit_memo', 'SCM' || lpad(i::text, 8, '0'),
               credit_memo_date, credit_memo_date, credit_memo_date, 'Credit memo: returned goods', currency_code,
               -credit_memo_amount, -round(credit_memo_amount * rate, 2), 0, 0, false, credit_memo_date, branch_id,
               false, now(), now()
          FROM demo_settle WHERE credit_memo_id IS NOT NULL
    """,
    ),
    (
        "payments",
        """
        INSERT INTO ledger_ledgerentry (id, tenant_id, external_id, customer_id, document_type, document_no,
               posting_date, document_date, due_date, description, currency_code, amount, amount_lcy,
               remaining_amount, remaining_amount_lcy, is_open, closed_at, branch_id, on_hold, created_at, updated_at)
        SELECT payment_id, %(tenant)s, 'PAY-' || i, customer_id, 'payment', 'PMT' || lpad(i::text, 8, '0'), pay_date,
               pay_date, pay_date, 'Payment received', currency_code, -paid, -round(paid * rate * 1.002, 2), 0, 0,
               false, pay_date, branch_id, false, now(), now()
          FROM demo_settle WHERE payment_id IS NOT NULL
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
