"""The credit figures of PRODUCT.md as one set-based SQL statement over the ledger (no per-customer loop).

`figures_sql` builds a SELECT that yields one row per customer with every stored statistics column,
plus `snap_version` (the customer's `ledger_version` read by the same statement, so the figures and the
version they stand for come from one snapshot) and `entries_count`. Recalculation writes its rows into
`aging_customerstatistics`; the work-date selector reads them directly.

Shape: every entry of the tenant's ledger is read once, by one of three aggregates, each over its own
part of the ledger and each through a partial index that holds every column it needs (an index-only
scan, in customer order, so each customer is aggregated and done with before the next):

- the open entries (`entry_open_customer`): balance, overdue, the aging bands, the open invoices;
- the closed entries other than payments (`entry_closed_customer`): the closed-invoice averages, over
  the invoices "a payment settled at least in part" (`settled_by_payment`, kept on the invoice by the
  ledger with its applications);
- the payments (`entry_payment_customer`): the last payment, and the count of the closed ones.

Each figure is then computed only over the entries it is about, with no filter to test on every other
entry of the ledger. For a whole tenant the customers are cut into id ranges (`chunks`), one `UNION ALL`
branch each; Recalculate All shares the ranges out among its connections, or, on one connection, among
PostgreSQL's parallel workers (a Parallel Append). Either way a range is read whole by one process, so
no partial aggregates have to be combined afterwards (aging/services/recalculation.py).
"""

import datetime

from interactions.selectors import todo_counts_sql

from .models import MAX_BANDS, AgingBand, AgingBasis

# The columns of aging_customerstatistics that a recalculation writes, in the order figures_sql yields them.
FIGURE_COLUMNS = [
    "balance_lcy",
    "overdue_balance_lcy",
    "not_due_lcy",
    *[f"band_{i}_lcy" for i in range(1, MAX_BANDS + 1)],
    "avg_days_to_pay",
    "avg_overdue_days",
    "weighted_days_late",
    "avg_days_overdue_open",
    "open_invoices_count",
    "last_payment_date",
    "last_payment_amount_lcy",
    "is_over_credit_limit",
    "is_overdue",
    "is_blocked",
    "balance_status",
    "todo_count",
    "overdue_todo_count",
    "held_sales_documents",
    "held_service_documents",
]

BASIS_COLUMN = {
    AgingBasis.DUE_DATE: "e.due_date",
    AgingBasis.POSTING_DATE: "e.posting_date",
    AgingBasis.DOCUMENT_DATE: "e.document_date",
}

# Entry nos. below 2^40 (a trillion) leave room for the days in the last-payment key (2^22 days).
_ENTRY_NO_BITS = 40
_ENTRY_NO_SPAN = 2**_ENTRY_NO_BITS

# A customer id range (lo, hi]: the customers a UNION ALL branch of a whole-tenant statement covers.
Chunk = tuple[int, int]


def band_condition(band: AgingBand, basis_column: str) -> str:
    """The test of an open entry's place in `band`: D − basis within the band's days, written as a
    comparison of the basis date with a date the planner folds to a constant."""
    # Bounds are integers read from validated rows, so they are inlined (int() makes that certain).
    parts = []
    if band.from_days is not None:
        parts.append(f"{basis_column} <= %(as_of)s::date - {int(band.from_days)}")
    if band.to_days is not None:
        parts.append(f"{basis_column} >= %(as_of)s::date - {int(band.to_days)}")
    return " AND ".join(parts) or "TRUE"


def customer_scope(column: str, *, restrict_to_ids: bool, chunk: Chunk | None = None) -> str:
    """An `AND` condition narrowing `column` (a customer id) to %(ids)s or to the id range `chunk`."""
    if restrict_to_ids:
        return f"AND {column} = ANY(%(ids)s)"
    if chunk is not None:
        return f"AND {column} > {int(chunk[0])} AND {column} <= {int(chunk[1])}"
    return ""


def _customers_sql(
    *, band_sums: str, band_columns: str, restrict_to_ids: bool, branch: bool, chunk: Chunk | None
) -> str:
    """The figures of the customers in one scope (ids, an id range, or the whole tenant), from their
    three parts of the ledger."""
    ledger = "e.tenant_id = %(tenant)s " + customer_scope(
        "e.customer_id", restrict_to_ids=restrict_to_ids, chunk=chunk
    )
    if branch:  # a branch context: only that branch's entries (%(branch)s) count
        ledger += " AND e.branch_id = %(branch)s"
    todos = todo_counts_sql(
        customers=customer_scope("t.customer_id", restrict_to_ids=restrict_to_ids, chunk=chunk)
    )
    statistics = customer_scope("s.customer_id", restrict_to_ids=restrict_to_ids, chunk=chunk)
    # For a range the planner then reads just those customers; for a list of ids the extra condition
    # would only shrink its row estimates, into nested loops over whole aggregates.
    customers = "" if restrict_to_ids else customer_scope("c.id", restrict_to_ids=False, chunk=chunk)
    # The last payment's row is looked up among this scope's payments only: joined by hash (a plan that
    # must not nest, aging/services/recalculation.py), it would otherwise read every payment of the tenant.
    last_payments = customer_scope("lp.customer_id", restrict_to_ids=restrict_to_ids, chunk=chunk)
    return f"""
        SELECT s.customer_id, s.ledger_version AS snap_version, c.credit_limit_lcy, c.blocked,
               COALESCE(o.entries_count, 0) + COALESCE(cl.entries_count, 0) + COALESCE(p.entries_count, 0)
                   AS entries_count,
               COALESCE(o.balance_lcy, 0) AS balance_lcy,
               COALESCE(o.overdue_balance_lcy, 0) AS overdue_balance_lcy,
               {band_columns},
               ROUND(cl.days_to_pay_sum::numeric / NULLIF(cl.settled_count, 0), 2) AS avg_days_to_pay,
               ROUND(COALESCE(cl.overdue_days_sum, 0)::numeric / NULLIF(cl.settled_count, 0), 2)
                   AS avg_overdue_days,
               CASE WHEN cl.settled_count > 0
                    THEN ROUND(COALESCE(cl.late_amount_days_sum, 0) / NULLIF(cl.settled_amount_lcy, 0), 2)
               END AS weighted_days_late,
               ROUND(o.overdue_invoice_days_sum::numeric / NULLIF(o.overdue_invoices_count, 0), 2)
                   AS avg_days_overdue_open,
               COALESCE(o.open_invoices_count, 0) AS open_invoices_count,
               lp.posting_date AS last_payment_date,
               -lp.amount_lcy AS last_payment_amount_lcy,
               COALESCE(t.todo_count, 0) AS todo_count,
               COALESCE(t.overdue_todo_count, 0) AS overdue_todo_count
          FROM aging_customerstatistics s
          JOIN customers_customer c ON c.id = s.customer_id
          LEFT JOIN (
              SELECT e.customer_id, COUNT(*) AS entries_count,
                     SUM(e.remaining_amount_lcy) AS balance_lcy,
                     SUM(e.remaining_amount_lcy) FILTER (WHERE e.due_date < %(as_of)s) AS overdue_balance_lcy,
                     {band_sums},
                     COUNT(*) FILTER (WHERE e.document_type = 'invoice') AS open_invoices_count,
                     COUNT(*) FILTER (WHERE e.document_type = 'invoice' AND e.due_date < %(as_of)s)
                         AS overdue_invoices_count,
                     SUM(%(as_of)s::date - e.due_date)
                         FILTER (WHERE e.document_type = 'invoice' AND e.due_date < %(as_of)s)
                         AS overdue_invoice_days_sum
                FROM ledger_ledgerentry e
               WHERE {ledger} AND e.is_open
               GROUP BY e.customer_id
          ) o ON o.customer_id = s.customer_id
          LEFT JOIN (
              -- integer sums and counts per entry (cheap); the means are divided out once per customer
              SELECT e.customer_id, COUNT(*) AS entries_count,
                     COUNT(*) FILTER (WHERE e.settled_by_payment) AS settled_count,
                     SUM(e.closed_at - e.posting_date) FILTER (WHERE e.settled_by_payment) AS days_to_pay_sum,
                     SUM(e.closed_at - e.due_date) FILTER (WHERE e.settled_by_payment AND e.closed_at > e.due_date)
                         AS overdue_days_sum,
                     SUM(e.amount_lcy * (e.closed_at - e.due_date))
                         FILTER (WHERE e.settled_by_payment AND e.closed_at > e.due_date) AS late_amount_days_sum,
                     SUM(e.amount_lcy) FILTER (WHERE e.settled_by_payment) AS settled_amount_lcy
                FROM ledger_ledgerentry e
               WHERE {ledger} AND NOT e.is_open AND e.document_type <> 'payment'
               GROUP BY e.customer_id
          ) cl ON cl.customer_id = s.customer_id
          LEFT JOIN (
              -- open payments are counted with the open entries; the latest payment (latest posting date,
              -- then highest entry no.) is the greatest of one bigint per payment: days * 2^40 + entry no.
              SELECT e.customer_id, COUNT(*) FILTER (WHERE NOT e.is_open) AS entries_count,
                     MAX((e.posting_date - DATE '1970-01-01')::bigint * {_ENTRY_NO_SPAN} + e.id) AS last_payment_key
                FROM ledger_ledgerentry e
               WHERE {ledger} AND e.document_type = 'payment'
               GROUP BY e.customer_id
          ) p ON p.customer_id = s.customer_id
          LEFT JOIN ledger_ledgerentry lp
            ON lp.tenant_id = %(tenant)s AND lp.customer_id = p.customer_id AND lp.document_type = 'payment'
           AND lp.posting_date = DATE '1970-01-01' + (p.last_payment_key >> {_ENTRY_NO_BITS})::int
           AND lp.id = p.last_payment_key & {_ENTRY_NO_SPAN - 1} {last_payments}
          LEFT JOIN ({todos}) t ON t.customer_id = s.customer_id
         WHERE s.tenant_id = %(tenant)s {statistics} {customers}
    """


def figures_sql(
    *,
    bands: list[AgingBand],
    basis: str,
    restrict_to_ids: bool,
    branch: bool = False,
    chunks: list[Chunk] | None = None,
) -> str:
    """The SELECT of every customer's figures as of %(as_of)s for tenant %(tenant)s.

    With `restrict_to_ids`, only the customers in %(ids)s (an int[]) are read, through the ledger's
    (tenant, customer) indexes, so the cost follows what changed. Otherwise every customer of the
    tenant, one UNION ALL branch per id range in `chunks` (or one branch for all).
    """
    basis_column = BASIS_COLUMN[AgingBasis(basis)]
    by_position = {band.position: band for band in bands}
    band_sums, band_columns = [], []
    for position in range(1, MAX_BANDS + 1):
        band = by_position.get(position)
        if band is None:
            band_columns.append(f"0::numeric AS band_{position}_lcy")
        else:
            band_sums.append(
                f"SUM(e.remaining_amount_lcy) FILTER (WHERE {band_condition(band, basis_column)}) AS band_{position}_lcy"
            )
            band_columns.append(f"COALESCE(o.band_{position}_lcy, 0) AS band_{position}_lcy")
    scopes = [None] if restrict_to_ids or not chunks else chunks
    branches = "\n UNION ALL \n".join(
        _customers_sql(
            band_sums=",\n                     ".join(band_sums) or "NULL AS no_bands",
            band_columns=", ".join(band_columns),
            restrict_to_ids=restrict_to_ids,
            branch=branch,
            chunk=chunk,
        )
        for chunk in scopes
    )
    return f"""
    SELECT customer_id, snap_version, entries_count,
           balance_lcy, overdue_balance_lcy, balance_lcy - overdue_balance_lcy AS not_due_lcy,
           {", ".join(f"band_{i}_lcy" for i in range(1, MAX_BANDS + 1))},
           avg_days_to_pay, avg_overdue_days, weighted_days_late, avg_days_overdue_open,
           open_invoices_count, last_payment_date, last_payment_amount_lcy,
           credit_limit_lcy IS NOT NULL AND balance_lcy > credit_limit_lcy AS is_over_credit_limit,
           overdue_balance_lcy > 0 AS is_overdue,
           blocked AS is_blocked,
           CASE WHEN balance_lcy > 0 THEN 'outstanding' WHEN balance_lcy < 0 THEN 'credit' ELSE 'zero' END
               AS balance_status,
           todo_count, overdue_todo_count,
           -- credit-held documents arrive with their feature; until then they are zero
           0 AS held_sales_documents, 0 AS held_service_documents
      FROM ({branches}) fresh
    """


def figures_params(*, tenant_id: int, as_of: datetime.date, ids: list[int] | None = None) -> dict:
    params = {"tenant": tenant_id, "as_of": as_of}
    if ids is not None:
        params["ids"] = list(ids)
    return params
