"""The set-based half of an import: checks that need the database, then the upsert, one class per format.

Each writer works on the `import_stage` temp table the loader filled (rows already checked one by
one), reports what is wrong with row numbers, and writes with INSERT ... ON CONFLICT on the ERP's key,
skipping rows that would not change (so a re-import writes nothing).
"""

from dataclasses import dataclass, field

from creditcontrol.models import Membership, Tenant
from customers.models import Branch, CreditLimitChange, Customer, CustomerGroup, PaymentTerms
from ledger import arithmetic
from ledger.arithmetic import CREDIT_TYPES_SQL, DEBIT_TYPES_SQL
from ledger.models import Application, LedgerEntry

from .formats import Format, a_document_type

ENTRY = LedgerEntry._meta.db_table
# The ids of the entries a feed's entries file inserted, for its applications (EntriesWriter.write).
# Why an import changes a credit limit or a hold: the credit limit's history and the audit log say so.
IMPORT_REASON = "ERP import"
NEW_ENTRIES = "import_new_entries"
APPLICATION = Application._meta.db_table
CUSTOMER = Customer._meta.db_table


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    customer_ids: list[int] = field(default_factory=list)
    # Entries whose remaining amount may have fallen (some now closed) or risen: the change published.
    settled_entry_ids: list[int] = field(default_factory=list)
    reopened_entry_ids: list[int] = field(default_factory=list)

    def merge(self, other: "Written") -> "Written":
        """What two files of one feed wrote between them."""
        return Written(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            customer_ids=sorted({*self.customer_ids, *other.customer_ids}),
            settled_entry_ids=sorted({*self.settled_entry_ids, *other.settled_entry_ids}),
            reopened_entry_ids=sorted({*self.reopened_entry_ids, *other.reopened_entry_ids}),
        )


class Writer:
    table = ""  # the table the import writes

    def __init__(
        self,
        *,
        cursor,
        tenant: Tenant,
        fmt: Format,
        present: set,
        errors,
        feed_applications: str | None = None,
        new_entries: bool = False,
    ):
        self.cursor = cursor
        self.tenant = tenant
        self.fmt = fmt
        self.present = present
        self.errors = errors
        # In a feed whose applications are imported next: their staging table (see EntriesWriter.write).
        self.feed_applications = feed_applications
        # Applications after the feed's entries: those entries are written final (NEW_ENTRIES).
        self.new_entries = new_entries

    def fetch(self, sql: str, params=None) -> list[tuple]:
        self.cursor.execute(sql, params or {})
        return self.cursor.fetchall()

    def report(self, column: str, sql: str, params: dict, message) -> None:
        """Run a query returning (row_no, *values) of bad rows; record `message(*values)` for each."""
        if self.errors.full:
            return
        for row_no, *values in self.fetch(f"{sql} ORDER BY 1 LIMIT {self.errors.limit + 1}", params):
            self.errors.add(row_no, column, message(*values))

    def duplicates(self, key: str, column: str, what: str) -> None:
        self.report(
            column,
            f"""
            SELECT row_no, {key}, first_row FROM (
                SELECT row_no, {key}, min(row_no) OVER (PARTITION BY {key}) AS first_row FROM import_stage
            ) d WHERE row_no > first_row
            """,
            {},
            lambda value, first: (
                f"{what} '{value}' appears more than once in the file (first on row {first})."
            ),
        )

    def check(self) -> None:
        raise NotImplementedError

    def write(self) -> Written:
        raise NotImplementedError

    def cleanup(self) -> None:
        pass


class CustomersWriter(Writer):
    table = CUSTOMER
    # CSV column -> (customer column, value from the staging row s and its joins)
    COLUMNS = {
        "name": [("name", "s.name")],
        "customer_type": [("customer_type", "coalesce(s.customer_type, '')")],
        "group": [("group_id", "g.id")],
        "branch": [("branch_id", "b.id")],
        "currency": [("currency_code", "coalesce(s.currency, '')")],
        "payment_terms": [("payment_terms_id", "p.id")],
        "credit_limit": [("credit_limit_lcy", "s.credit_limit")],
        "blocked": [("blocked", "coalesce(s.blocked, false)")],
        "hold_all": [("hold_all", "coalesce(s.hold_all, false)")],
        "controller": [("controller_id", "u.id")],
        "email": [("email", "coalesce(s.email, '')")],
        "phone": [("phone", "coalesce(s.phone, '')")],
        "address": [("address", "coalesce(s.address, '')")],
        "city": [("city", "coalesce(s.city, '')")],
        "country": [("country", "coalesce(s.country, '')")],
        "tags": [
            (
                "tags",
                "CASE WHEN coalesce(s.tags, '') = '' THEN ARRAY[]::varchar(40)[] "
                "ELSE string_to_array(s.tags, '|')::varchar(40)[] END",
            )
        ],
    }

    def check(self) -> None:
        self.duplicates("code", "code", "Customer")
        params = {"tenant": self.tenant.pk}
        for column, staged, model, what in (
            ("group", "group_code", CustomerGroup, "customer group"),
            ("branch", "branch_code", Branch, "branch"),
            ("payment_terms", "payment_terms_code", PaymentTerms, "payment terms"),
        ):
            if column in self.present:
                self.report(
                    column,
                    f"""SELECT s.row_no, s.{staged} FROM import_stage s WHERE s.{staged} IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM {model._meta.db_table} x
                                         WHERE x.tenant_id = %(tenant)s AND x.code = s.{staged})""",
                    params,
                    lambda code, what=what: f"Unknown {what} '{code}'.",
                )
        if "controller" in self.present:
            self.report(
                "controller",
                f"""SELECT s.row_no, s.controller FROM import_stage s WHERE s.controller IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM {Membership._meta.db_table} m
                                      JOIN auth_user u ON u.id = m.user_id
                                     WHERE m.tenant_id = %(tenant)s AND u.username = s.controller)""",
                params,
                lambda username: f"Unknown credit controller '{username}': no such user in this company.",
            )

    def write(self) -> Written:
        params = {"tenant": self.tenant.pk, "today": self.tenant.today(), "reason": IMPORT_REASON}
        self.cursor.execute("DROP TABLE IF EXISTS import_old")
        self.cursor.execute(
            f"""CREATE TEMP TABLE import_old ON COMMIT DROP AS
                SELECT c.id, c.credit_limit_lcy FROM {CUSTOMER} c JOIN import_stage s ON s.code = c.code
                 WHERE c.tenant_id = %(tenant)s ORDER BY c.id FOR UPDATE OF c""",
            params,
        )
        # New customers get every column (an absent one is blank); existing ones only the columns given.
        pairs = [pair for c in self.COLUMNS for pair in self.COLUMNS[c]]
        insert_columns = ", ".join(target for target, _ in pairs) + ", credit_limit_last_checked"
        select_values = (
            ", ".join(value for _, value in pairs)
            + ", CASE WHEN s.credit_limit IS NOT NULL THEN %(today)s::date END"
        )
        targets = [t for c in self.COLUMNS if c in self.present or c == "name" for t, _ in self.COLUMNS[c]]
        updates = [f"{target} = EXCLUDED.{target}" for target in targets]
        compare_old = ", ".join(f"c.{target}" for target in targets)
        compare_new = ", ".join(f"EXCLUDED.{target}" for target in targets)
        if "credit_limit" in self.present:
            updates.append(
                "credit_limit_last_checked = CASE WHEN c.credit_limit_lcy IS DISTINCT FROM "
                "EXCLUDED.credit_limit_lcy THEN %(today)s::date ELSE c.credit_limit_last_checked END"
            )
        rows = self.fetch(
            f"""
            WITH up AS (
                INSERT INTO {CUSTOMER} AS c (tenant_id, code, {insert_columns}, custom_fields, created_at, updated_at)
                SELECT %(tenant)s, s.code, {select_values}, '{{}}'::jsonb, now(), now()
                  FROM import_stage s
                  LEFT JOIN {CustomerGroup._meta.db_table} g ON g.tenant_id = %(tenant)s AND g.code = s.group_code
                  LEFT JOIN {Branch._meta.db_table} b ON b.tenant_id = %(tenant)s AND b.code = s.branch_code
                  LEFT JOIN {PaymentTerms._meta.db_table} p
                         ON p.tenant_id = %(tenant)s AND p.code = s.payment_terms_code
                  LEFT JOIN auth_user u ON u.username = s.controller
                 ORDER BY s.row_no
                ON CONFLICT (tenant_id, code) DO UPDATE SET {", ".join(updates)}, updated_at = now()
                 WHERE ({compare_old}) IS DISTINCT FROM ({compare_new})
                RETURNING c.id, (c.xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
                   coalesce(array_agg(id), '{{}}') FROM up
            """,
            params,
        )
        created, updated, ids = rows[0]
        if "credit_limit" in self.present:
            self.cursor.execute(
                f"""
                INSERT INTO {CreditLimitChange._meta.db_table} (tenant_id, customer_id, changed_at, changed_by_id,
                       old_limit_lcy, new_limit_lcy, checked_on, note)
                SELECT %(tenant)s, c.id, now(), NULL, o.credit_limit_lcy, c.credit_limit_lcy, %(today)s, %(reason)s
                  FROM import_stage s
                  JOIN {CUSTOMER} c ON c.tenant_id = %(tenant)s AND c.code = s.code
                  LEFT JOIN import_old o ON o.id = c.id
                 WHERE (o.id IS NULL AND c.credit_limit_lcy IS NOT NULL)
                    OR (o.id IS NOT NULL AND o.credit_limit_lcy IS DISTINCT FROM c.credit_limit_lcy)
                 ORDER BY s.row_no
                """,
                params,
            )
        return Written(created=created, updated=updated, customer_ids=ids)

    def cleanup(self) -> None:
        self.cursor.execute("DROP TABLE IF EXISTS import_old")


class EntriesWriter(Writer):
    table = ENTRY

    def check(self) -> None:
        self.duplicates("external_id", "external_id", "External id")
        params = {"tenant": self.tenant.pk, "lcy": self.tenant.local_currency}
        self.report(
            "customer",
            f"""SELECT s.row_no, s.customer_code FROM import_stage s WHERE NOT EXISTS (
                    SELECT 1 FROM {CUSTOMER} c WHERE c.tenant_id = %(tenant)s AND c.code = s.customer_code)""",
            params,
            lambda code: f"Unknown customer '{code}'.",
        )
        self.report(
            "branch",
            f"""SELECT s.row_no, s.branch_code FROM import_stage s WHERE s.branch_code IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM {Branch._meta.db_table} b
                                 WHERE b.tenant_id = %(tenant)s AND b.code = s.branch_code)""",
            params,
            lambda code: f"Unknown branch '{code}'.",
        )
        currency = "coalesce(s.currency, nullif(c.currency_code, ''), %(lcy)s)"
        self.report(
            "amount_lcy",
            f"""SELECT s.row_no, {currency} FROM import_stage s
                  JOIN {CUSTOMER} c ON c.tenant_id = %(tenant)s AND c.code = s.customer_code
                 WHERE s.amount_lcy IS NULL AND {currency} <> %(lcy)s""",
            params,
            lambda code: (
                f"Required: the entry is in {code}; give its amount in {self.tenant.local_currency} "
                "at the posting rate."
            ),
        )
        self.report(
            "amount_lcy",
            f"""SELECT s.row_no, s.amount_lcy, s.amount FROM import_stage s
                  JOIN {CUSTOMER} c ON c.tenant_id = %(tenant)s AND c.code = s.customer_code
                 WHERE s.amount_lcy IS NOT NULL AND s.amount_lcy <> s.amount AND {currency} = %(lcy)s""",
            params,
            lambda lcy, amount: (
                f"amount_lcy {lcy} differs from amount {amount} in the local currency "
                f"{self.tenant.local_currency}."
            ),
        )
        if self.errors:
            return
        # Entries already in the ledger: lock them (so no posting can apply them meanwhile) and total
        # what is applied to or by each, which the new amount must still cover.
        self.cursor.execute("DROP TABLE IF EXISTS import_existing")
        self.cursor.execute(
            f"""
            SELECT count(*) FROM (
                SELECT 1 FROM {ENTRY} e JOIN import_stage s ON s.external_id = e.external_id
                 WHERE e.tenant_id = %(tenant)s ORDER BY e.id FOR UPDATE OF e
            ) locked
            """,
            params,
        )
        self.cursor.execute(
            f"""
            CREATE TEMP TABLE import_existing ON COMMIT DROP AS
            SELECT e.id, e.external_id, e.customer_id, e.document_type, e.currency_code,
                   coalesce(r.applied, m.applied, 0) AS applied,
                   coalesce(r.first_on, m.first_on) AS first_on, coalesce(r.last_on, m.last_on) AS last_on
              FROM {ENTRY} e JOIN import_stage s ON s.external_id = e.external_id
              LEFT JOIN LATERAL (
                  SELECT sum(a.amount) AS applied, min(a.posting_date) AS first_on, max(a.posting_date) AS last_on
                    FROM {APPLICATION} a WHERE a.applied_entry_id = e.id AND a.undone_on IS NULL
                   HAVING count(*) > 0) r ON true
              LEFT JOIN LATERAL (
                  SELECT sum(a.amount) AS applied, min(a.posting_date) AS first_on, max(a.posting_date) AS last_on
                    FROM {APPLICATION} a WHERE a.applying_entry_id = e.id AND a.undone_on IS NULL
                   HAVING count(*) > 0) m ON true
             WHERE e.tenant_id = %(tenant)s
            """,
            params,
        )
        self.cursor.execute("ANALYZE import_existing")
        if not self.fetch("SELECT EXISTS (SELECT 1 FROM import_existing WHERE applied > 0)")[0][0]:
            return  # nothing already applied: the checks below cannot fail
        applied = f"""FROM import_stage s JOIN import_existing x ON x.external_id = s.external_id
                      JOIN {CUSTOMER} c ON c.tenant_id = %(tenant)s AND c.code = s.customer_code
                     WHERE x.applied > 0"""
        self.report(
            "customer",
            f"SELECT s.row_no, s.external_id {applied} AND c.id <> x.customer_id",
            params,
            lambda ext: f"Entry '{ext}' has applications: its customer cannot change.",
        )
        self.report(
            "document_type",
            f"SELECT s.row_no, s.external_id {applied} AND s.document_type <> x.document_type",
            params,
            lambda ext: f"Entry '{ext}' has applications: its document type cannot change.",
        )
        self.report(
            "currency",
            f"SELECT s.row_no, s.external_id {applied} AND {currency} <> x.currency_code",
            params,
            lambda ext: f"Entry '{ext}' has applications: its currency cannot change.",
        )
        self.report(
            "amount",
            f"""SELECT s.row_no, s.amount, x.applied, s.external_id {applied}
                   AND s.document_type = x.document_type AND abs(s.amount) < x.applied""",
            params,
            lambda amount, done, ext: (
                f"Amount {amount} is less than the {done} already applied to entry '{ext}'."
            ),
        )
        self.report(
            "posting_date",
            f"SELECT s.row_no, s.external_id, x.first_on {applied} AND s.posting_date > x.first_on",
            params,
            lambda ext, first: (
                f"Entry '{ext}' has an application posted on {first}, before this posting date."
            ),
        )

    def write(self) -> Written:
        params = {"tenant": self.tenant.pk, "lcy": self.tenant.local_currency}
        moved = self.fetch(
            f"""SELECT DISTINCT x.customer_id FROM import_stage s
                  JOIN import_existing x ON x.external_id = s.external_id
                  JOIN {CUSTOMER} c ON c.tenant_id = %(tenant)s AND c.code = s.customer_code
                 WHERE c.id <> x.customer_id""",
            params,
        )
        document_date = "coalesce(s.document_date, s.posting_date)"
        # A new entry that the feed's applications apply is written as they leave it (once, not inserted
        # open and rewritten by the applications' import). If those applications turn out wrong, the
        # whole feed rolls back; an entry already in the ledger is brought up to date by their import.
        feed_join = self._feed_applications_join()
        # (Over-applied by the feed: left open here, and rejected by the applications' checks.)
        feed_applied = "CASE WHEN f.applied <= abs(s.amount) THEN f.applied END"
        remaining = arithmetic.remaining_sql(
            "s.document_type", "s.amount", f"coalesce(x.applied, {feed_applied})"
        )
        due_date = arithmetic.due_date_sql("s.document_type", "p.rule", "p.days", document_date)
        columns = (
            "customer_id, document_type, document_no, posting_date, document_date, due_date, description, "
            "currency_code, amount, amount_lcy, remaining_amount, remaining_amount_lcy, is_open, closed_at, "
            "branch_id, on_hold"
        )
        compare_old = ", ".join(f"e.{c.strip()}" for c in columns.split(","))
        compare_new = ", ".join(f"EXCLUDED.{c.strip()}" for c in columns.split(","))
        updates = ", ".join(f"{c.strip()} = EXCLUDED.{c.strip()}" for c in columns.split(","))
        written = f"""
            WITH src AS (
                SELECT s.row_no, s.external_id, c.id AS customer_id, s.document_type, s.document_no, s.posting_date,
                       {document_date} AS document_date,
                       coalesce(s.due_date, {due_date}) AS due_date,
                       coalesce(s.description, '') AS description,
                       coalesce(s.currency, nullif(c.currency_code, ''), %(lcy)s) AS currency_code,
                       s.amount, coalesce(s.amount_lcy, s.amount) AS amount_lcy,
                       {remaining} AS remaining, coalesce(x.last_on, f.last_on) AS last_on,
                       s.document_type = 'invoice' AND coalesce(f.by_payment, false) AS by_payment,
                       coalesce(b.id, c.branch_id) AS branch_id, coalesce(s.on_hold, false) AS on_hold
                  FROM import_stage s
                  JOIN {CUSTOMER} c ON c.tenant_id = %(tenant)s AND c.code = s.customer_code
                  LEFT JOIN {PaymentTerms._meta.db_table} p ON p.id = c.payment_terms_id
                  LEFT JOIN {Branch._meta.db_table} b ON b.tenant_id = %(tenant)s AND b.code = s.branch_code
                  LEFT JOIN import_existing x ON x.external_id = s.external_id
                  {feed_join}
            ), up AS (
                INSERT INTO {ENTRY} AS e (tenant_id, external_id, {columns}, settled_by_payment, created_at,
                       updated_at)
                SELECT %(tenant)s, external_id, customer_id, document_type, document_no, posting_date,
                       document_date, due_date, description, currency_code, amount, amount_lcy, remaining,
                       {arithmetic.remaining_lcy_sql("remaining", "amount", "amount_lcy")},
                       remaining <> 0, {arithmetic.closed_at_sql("remaining", "posting_date", "last_on")},
                       branch_id, on_hold, by_payment, now(), now()
                  FROM src ORDER BY row_no
                ON CONFLICT (tenant_id, external_id) DO UPDATE SET {updates}, updated_at = now()
                 WHERE ({compare_old}) IS DISTINCT FROM ({compare_new})
                RETURNING e.id, e.customer_id, e.is_open, (e.xmax = 0) AS inserted
            )"""
        if self.feed_applications:
            # Kept for the applications that follow: the entries this feed inserted need neither their
            # lock nor their recompute (they are already written as those applications leave them).
            self.cursor.execute(
                f"CREATE TEMP TABLE up_written ON COMMIT DROP AS {written} SELECT * FROM up", params
            )
            self.cursor.execute(
                f"CREATE TEMP TABLE {NEW_ENTRIES} ON COMMIT DROP AS SELECT id FROM up_written WHERE inserted"
            )
            rows = self.fetch(self._WRITTEN_TOTALS.format(written="up_written"))
        else:
            rows = self.fetch(written + self._WRITTEN_TOTALS.format(written="up"), params)
        created, updated, ids, settled, reopened = rows[0]
        # An entry updated in place may have been settled or re-opened by its new amount: what watches it
        # (to-dos, promises) looks again. New entries have nothing watching them yet.
        return Written(
            created=created,
            updated=updated,
            customer_ids=[*ids, *(m for (m,) in moved)],
            settled_entry_ids=settled,
            reopened_entry_ids=reopened,
        )

    _WRITTEN_TOTALS = """
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
               coalesce(array_agg(DISTINCT customer_id), '{{}}'),
               coalesce(array_agg(id) FILTER (WHERE NOT inserted AND NOT is_open), '{{}}'),
               coalesce(array_agg(id) FILTER (WHERE NOT inserted AND is_open), '{{}}')
          FROM {written}
    """

    def _feed_applications_join(self) -> str:
        """Joins `f` to each staged entry: for a new entry, the total the feed's applications apply to it
        or by it, the last of their posting dates and whether a payment settles it (none without them)."""
        if not self.feed_applications:
            return """LEFT JOIN (SELECT NULL::numeric AS applied, NULL::date AS last_on,
                                        NULL::boolean AS by_payment) f ON false"""
        stage = self.feed_applications
        return f"""LEFT JOIN (
                      SELECT entry AS external_id, sum(amount) AS applied, max(posting_date) AS last_on,
                             bool_or(by_payment) AS by_payment
                        FROM (SELECT a.applied_external_id AS entry, a.amount, a.posting_date,
                                     coalesce(p.document_type, l.document_type) = 'payment' AS by_payment
                                FROM {stage} a
                                LEFT JOIN import_stage p ON p.external_id = a.applying_external_id
                                LEFT JOIN {ENTRY} l ON p.external_id IS NULL AND l.tenant_id = %(tenant)s
                                     AND l.external_id = a.applying_external_id
                              UNION ALL
                              SELECT applying_external_id, amount, posting_date, false FROM {stage}) applied
                       GROUP BY entry) f ON x.id IS NULL AND f.external_id = s.external_id"""

    def cleanup(self) -> None:
        self.cursor.execute("DROP TABLE IF EXISTS import_existing")
        self.cursor.execute("DROP TABLE IF EXISTS up_written")


class ApplicationsWriter(Writer):
    table = APPLICATION

    def check(self) -> None:
        self.duplicates("external_id", "external_id", "External id")
        params = {"tenant": self.tenant.pk}
        # Lock every entry the file touches, in id order, before reading what is left on them (but for
        # the entries this feed inserted: nobody else sees them before it commits).
        self.cursor.execute(
            f"""
            SELECT count(*) FROM (
                SELECT 1 FROM {ENTRY} e
                 WHERE e.tenant_id = %(tenant)s AND e.external_id IN (
                       SELECT applying_external_id FROM import_stage
                       UNION SELECT applied_external_id FROM import_stage)
                   {self._not_new("e.id")}
                 ORDER BY e.id FOR UPDATE OF e
            ) locked
            """,
            params,
        )
        self.cursor.execute("DROP TABLE IF EXISTS import_app")
        self.cursor.execute(
            f"""
            CREATE TEMP TABLE import_app ON COMMIT DROP AS
            SELECT s.*, ing.id AS applying_id, ing.document_type AS applying_type,
                   ing.customer_id AS applying_customer, ing.currency_code AS applying_currency,
                   ing.posting_date AS applying_posting_date,
                   ed.id AS applied_id, ed.document_type AS applied_type, ed.customer_id AS applied_customer,
                   ed.currency_code AS applied_currency, ed.posting_date AS applied_posting_date,
                   old.applying_entry_id AS old_applying_id, old.applied_entry_id AS old_applied_id,
                   old.undone_on AS old_undone_on
              FROM import_stage s
              LEFT JOIN {ENTRY} ing ON ing.tenant_id = %(tenant)s AND ing.external_id = s.applying_external_id
              LEFT JOIN {ENTRY} ed ON ed.tenant_id = %(tenant)s AND ed.external_id = s.applied_external_id
              LEFT JOIN {APPLICATION} old ON old.tenant_id = %(tenant)s AND old.external_id = s.external_id
            """,
            params,
        )
        self.cursor.execute("ANALYZE import_app")
        for column, side in (("applying_entry", "applying"), ("applied_entry", "applied")):
            self.report(
                column,
                f"SELECT row_no, {side}_external_id FROM import_app WHERE {side}_id IS NULL",
                params,
                lambda ext: f"No ledger entry with external id '{ext}'.",
            )
        self.report(
            "applying_entry",
            f"SELECT row_no, applying_external_id, applying_type FROM import_app "
            f"WHERE applying_type NOT IN {CREDIT_TYPES_SQL}",
            params,
            lambda ext, kind: (
                f"Entry '{ext}' is {a_document_type(kind)}: only payments and credit memos can be applied."
            ),
        )
        self.report(
            "applied_entry",
            f"SELECT row_no, applied_external_id, applied_type FROM import_app "
            f"WHERE applied_type NOT IN {DEBIT_TYPES_SQL}",
            params,
            lambda ext, kind: (
                f"Entry '{ext}' is {a_document_type(kind)}: payments and credit memos can only be applied to "
                "invoices, refunds, finance charge memos and reminders."
            ),
        )
        self.report(
            "applied_entry",
            f"""SELECT a.row_no, a.applying_external_id, a.applied_external_id, ci.code, cd.code
                  FROM import_app a JOIN {CUSTOMER} ci ON ci.id = a.applying_customer
                  JOIN {CUSTOMER} cd ON cd.id = a.applied_customer
                 WHERE a.applying_customer <> a.applied_customer""",
            params,
            lambda p, i, cp, ci: f"Entries '{p}' and '{i}' belong to different customers ({cp} and {ci}).",
        )
        self.report(
            "applied_entry",
            """SELECT row_no, applying_external_id, applied_external_id, applying_currency, applied_currency
                 FROM import_app WHERE applying_currency <> applied_currency""",
            params,
            lambda p, i, cp, ci: f"Entries '{p}' and '{i}' are in different currencies ({cp} and {ci}).",
        )
        self.report(
            "posting_date",
            """SELECT row_no, posting_date,
                      CASE WHEN applying_posting_date > applied_posting_date
                           THEN applying_external_id ELSE applied_external_id END,
                      greatest(applying_posting_date, applied_posting_date)
                 FROM import_app WHERE posting_date < greatest(applying_posting_date, applied_posting_date)""",
            params,
            lambda on, ext, posted: (
                f"An application cannot be posted ({on}) before entry '{ext}' is posted ({posted})."
            ),
        )
        self.report(
            "external_id",
            """SELECT row_no, external_id, old_undone_on FROM import_app WHERE old_undone_on IS NOT NULL""",
            params,
            lambda ext, on: f"Application '{ext}' was undone on {on}: it cannot be imported again.",
        )
        self.report(
            "external_id",
            f"""SELECT a.row_no, a.external_id, ing.external_id, ed.external_id FROM import_app a
                  JOIN {ENTRY} ing ON ing.id = a.old_applying_id JOIN {ENTRY} ed ON ed.id = a.old_applied_id
                 WHERE a.applying_id IS NOT NULL AND a.applied_id IS NOT NULL
                   AND (a.old_applying_id <> a.applying_id OR a.old_applied_id <> a.applied_id)""",
            params,
            lambda ext, p, i: (
                f"Application '{ext}' already applies '{p}' to '{i}': its entries cannot change."
            ),
        )
        if self.errors:
            return
        # Over-application: what the ledger already holds (less the applications this file replaces)
        # plus this file's rows in file order must stay within each entry's amount.
        self.report(
            "amount",
            f"""
            WITH touched AS (
                SELECT row_no, amount, applied_id AS entry_id FROM import_app
                UNION ALL SELECT row_no, amount, applying_id FROM import_app
            ), base AS (
                SELECT t.entry_id, sum(a.amount) AS applied
                  FROM (SELECT DISTINCT entry_id FROM touched) t
                  JOIN {APPLICATION} a ON (a.applied_entry_id = t.entry_id OR a.applying_entry_id = t.entry_id)
                 WHERE a.undone_on IS NULL
                   AND NOT EXISTS (SELECT 1 FROM import_app f WHERE f.external_id = a.external_id)
                 GROUP BY t.entry_id
            ), running AS (
                SELECT t.row_no, t.amount, e.id, e.external_id, abs(e.amount) AS entry_amount,
                       coalesce(b.applied, 0) + sum(t.amount) OVER (PARTITION BY e.id ORDER BY t.row_no) AS total
                  FROM touched t JOIN {ENTRY} e ON e.id = t.entry_id LEFT JOIN base b ON b.entry_id = e.id
            )
            SELECT row_no, amount, external_id, total, entry_amount FROM (
                SELECT DISTINCT ON (id) * FROM running WHERE total > entry_amount ORDER BY id, row_no
            ) over_applied
            """,
            params,
            lambda amount, ext, total, limit: (
                f"Over-application: applying {amount} brings the total applied to entry '{ext}' "
                f"to {total}, more than its amount of {limit}."
            ),
        )

    def write(self) -> Written:
        params = {"tenant": self.tenant.pk}
        self.cursor.execute("DROP TABLE IF EXISTS import_touched")
        self.cursor.execute(
            f"""
            CREATE TEMP TABLE import_touched ON COMMIT DROP AS
            WITH up AS (
                INSERT INTO {APPLICATION} AS a (tenant_id, external_id, applying_entry_id, applied_entry_id,
                       amount, posting_date, created_at)
                SELECT %(tenant)s, external_id, applying_id, applied_id, amount, posting_date, clock_timestamp()
                  FROM import_app ORDER BY posting_date, row_no
                ON CONFLICT (tenant_id, external_id) WHERE external_id IS NOT NULL
                DO UPDATE SET amount = EXCLUDED.amount, posting_date = EXCLUDED.posting_date
                 WHERE (a.amount, a.posting_date) IS DISTINCT FROM (EXCLUDED.amount, EXCLUDED.posting_date)
                RETURNING (a.xmax = 0) AS inserted, a.applying_entry_id, a.applied_entry_id
            )
            SELECT * FROM up
            """,
            params,
        )
        self.cursor.execute("ANALYZE import_touched")  # its size decides how the totals below are joined
        created, updated = self.fetch(
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM import_touched"
        )[0]
        # Remaining amounts, open flags, closed-at dates and "settled by a payment" of the entries touched
        # follow from all their active applications (ledger.arithmetic).
        remaining = arithmetic.remaining_sql("e.document_type", "e.amount", "coalesce(r.applied, m.applied)")
        closed_at = arithmetic.closed_at_sql("t.remaining", "t.posting_date", "t.last_on")
        rows = self.fetch(
            f"""
            WITH entry AS (
                SELECT id FROM (SELECT applying_entry_id AS id FROM import_touched
                                UNION SELECT applied_entry_id FROM import_touched) touched
                 WHERE true {self._not_new("touched.id")}
            ), r AS (  -- what was applied to each debit entry touched (grouped once, not looked up per entry)
                SELECT a.applied_entry_id AS id, sum(a.amount) AS applied, max(a.posting_date) AS last_on,
                       bool_or(p.document_type = 'payment') AS by_payment
                  FROM {APPLICATION} a JOIN {ENTRY} p ON p.id = a.applying_entry_id
                 WHERE a.tenant_id = %(tenant)s AND a.undone_on IS NULL
                   AND a.applied_entry_id IN (SELECT id FROM entry)
                 GROUP BY a.applied_entry_id
            ), m AS (  -- and what each credit entry touched has applied
                SELECT a.applying_entry_id AS id, sum(a.amount) AS applied, max(a.posting_date) AS last_on
                  FROM {APPLICATION} a
                 WHERE a.tenant_id = %(tenant)s AND a.undone_on IS NULL
                   AND a.applying_entry_id IN (SELECT id FROM entry)
                 GROUP BY a.applying_entry_id
            ), totals AS (
                SELECT e.id, {remaining} AS remaining, e.posting_date, abs(e.remaining_amount) AS old_left,
                       coalesce(r.last_on, m.last_on) AS last_on,
                       e.document_type = 'invoice' AND coalesce(r.by_payment, false) AS by_payment
                  FROM entry JOIN {ENTRY} e ON e.id = entry.id
                  LEFT JOIN r ON r.id = e.id
                  LEFT JOIN m ON m.id = e.id
            ), changed AS (
                UPDATE {ENTRY} e
                   SET remaining_amount = t.remaining,
                       remaining_amount_lcy = {arithmetic.remaining_lcy_sql("t.remaining", "e.amount", "e.amount_lcy")},
                       is_open = t.remaining <> 0,
                       closed_at = {closed_at},
                       settled_by_payment = t.by_payment,
                       updated_at = now()
                  FROM totals t
                 WHERE e.id = t.id
                   AND (e.remaining_amount, e.is_open, e.closed_at, e.settled_by_payment)
                       IS DISTINCT FROM (t.remaining, t.remaining <> 0, {closed_at}, t.by_payment)
                RETURNING e.id, e.customer_id, abs(t.remaining) < t.old_left AS settled
            )
            SELECT coalesce(array_agg(DISTINCT customer_id), '{{}}'),
                   coalesce(array_agg(id) FILTER (WHERE settled), '{{}}'),
                   coalesce(array_agg(id) FILTER (WHERE NOT settled), '{{}}')
              FROM changed
            """,
            params,
        )
        customer_ids, settled, reopened = rows[0]
        return Written(
            created=created,
            updated=updated,
            customer_ids=customer_ids,
            settled_entry_ids=settled,
            reopened_entry_ids=reopened,
        )

    def _not_new(self, entry_id: str) -> str:
        """A condition leaving out the entries the feed's entries file inserted (none outside a feed)."""
        if not self.new_entries:
            return ""
        return f"AND NOT EXISTS (SELECT 1 FROM {NEW_ENTRIES} n WHERE n.id = {entry_id})"

    def cleanup(self) -> None:
        self.cursor.execute("DROP TABLE IF EXISTS import_app")
        self.cursor.execute("DROP TABLE IF EXISTS import_touched")
        self.cursor.execute(f"DROP TABLE IF EXISTS {NEW_ENTRIES}")


WRITERS = {"customers": CustomersWriter, "entries": EntriesWriter, "applications": ApplicationsWriter}
