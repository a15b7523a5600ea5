"""The credit figures of PRODUCT.md as one set-based SQL statement over the ledger (no per-customer loop).

`figures_sql` builds a SELECT that yields one row per customer with every stored statistics column,
plus `snap_version` (the customer's `ledger_version` read by the same statement, so the figures and the
version they stand for come from one snapshot) and `entries_count`. Recalculation writes its rows into
`aging_customerstatistics`; the work-date selector reads them directly.

Shape: one scan of the tenant's ledger, grouped by customer, with FILTER clauses for each figure. The
closed-invoice averages need to know which invoices "a payment settled at least in part": the ledger
keeps that on the invoice (`settled_by_payment`, maintained with its applications), so they are FILTER
clauses of the same scan, with no second pass over the ledger or the applications.
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

# Closed invoices a payment settled at least in part (`settled_by_payment` is only ever set on invoices):
# two boolean tests, cheap enough to repeat in each FILTER of the scan.
_SETTLED = "e.settled_by_payment AND NOT e.is_open"

BASIS_COLUMN = {
    AgingBasis.DUE_DATE: "e.due_date",
    AgingBasis.POSTING_DATE: "e.posting_date",
    AgingBasis.DOCUMENT_DATE: "e.document_date",
}


def band_condition(band: AgingBand, basis_column: str) -> str:
    # Bounds are integers read from validated rows, so they are inlined (int() makes that certain).
    days = f"(%(as_of)s::date - {basis_column})"
    parts = ["e.is_open"]
    if band.from_days is not None:
        parts.append(f"{days} >= {int(band.from_days)}")
    if band.to_days is not None:
        parts.append(f"{days} <= {int(band.to_days)}")
    return " AND ".join(parts)


def figures_sql(*, bands: list[AgingBand], basis: str, restrict_to_ids: bool, branch: bool = False) -> str:
    """The SELECT of every customer's figures as of %(as_of)s for tenant %(tenant)s.

    With `restrict_to_ids`, only the customers in %(ids)s (an int[]) are read; the ledger is then
    reached through its (customer_id, posting_date) index, so the cost follows what changed.
    """
    basis_column = BASIS_COLUMN[AgingBasis(basis)]
    by_position = {band.position: band for band in bands}
    band_sums = []
    for position in range(1, MAX_BANDS + 1):
        band = by_position.get(position)
        if band is None:
            band_sums.append(f"0::numeric AS band_{position}_lcy")
        else:
            band_sums.append(
                f"COALESCE(SUM(e.remaining_amount_lcy) FILTER (WHERE {band_condition(band, basis_column)}), 0)"
                f" AS band_{position}_lcy"
            )
    ledger_ids = "AND e.customer_id = ANY(%(ids)s)" if restrict_to_ids else ""
    if branch:  # a branch context: only that branch's entries (%(branch)s) count
        ledger_ids += " AND e.branch_id = %(branch)s"
    stats_ids = "AND s.customer_id = ANY(%(ids)s)" if restrict_to_ids else ""
    bands_sql = ",\n               ".join(band_sums)
    # For a handful of customers, materialising keeps the plan sane even before the tables are analysed;
    # for the whole tenant, inlining lets Postgres run both aggregates with parallel workers.
    materialized = "MATERIALIZED" if restrict_to_ids else ""
    return f"""
    WITH agg AS {materialized} (
        SELECT e.customer_id,
               COUNT(*) AS entries_count,
               COALESCE(SUM(e.remaining_amount_lcy) FILTER (WHERE e.is_open), 0) AS balance_lcy,
               COALESCE(SUM(e.remaining_amount_lcy) FILTER (WHERE e.is_open AND e.due_date < %(as_of)s), 0)
                   AS overdue_balance_lcy,
               {bands_sql},
               ROUND(AVG(%(as_of)s::date - e.due_date)
                         FILTER (WHERE e.is_open AND e.document_type = 'invoice' AND e.due_date < %(as_of)s), 2)
                   AS avg_days_overdue_open,
               COUNT(*) FILTER (WHERE e.is_open AND e.document_type = 'invoice') AS open_invoices_count,
               -- closed invoices that a payment settled at least in part (kept on the entry by the ledger)
               -- integer sums and a count here (cheap per row); the means are divided out once per customer
               COUNT(*) FILTER (WHERE {_SETTLED}) AS settled_count,
               SUM(e.closed_at - e.posting_date) FILTER (WHERE {_SETTLED}) AS days_to_pay_sum,
               SUM(GREATEST(0, e.closed_at - e.due_date)) FILTER (WHERE {_SETTLED}) AS overdue_days_sum,
               SUM(e.amount_lcy * GREATEST(0, e.closed_at - e.due_date)) FILTER (WHERE {_SETTLED}
                                                                          AND e.closed_at > e.due_date)
                   AS late_amount_days_sum,
               SUM(e.amount_lcy) FILTER (WHERE {_SETTLED}) AS settled_amount_lcy,
               -- the latest payment entry (latest posting date, then highest entry no.) and its amount
               MAX(ARRAY[(e.posting_date - date '2000-01-01')::numeric, e.id::numeric, -e.amount_lcy])
                   FILTER (WHERE e.document_type = 'payment') AS last_payment
          FROM ledger_ledgerentry e
         WHERE e.tenant_id = %(tenant)s {ledger_ids}
         GROUP BY e.customer_id
    ),
    todos AS ({todo_counts_sql(restrict_to_ids=restrict_to_ids)}),
    fresh AS (
        SELECT s.customer_id, s.ledger_version AS snap_version, c.credit_limit_lcy, c.blocked,
               COALESCE(agg.entries_count, 0) AS entries_count,
               COALESCE(agg.balance_lcy, 0) AS balance_lcy,
               COALESCE(agg.overdue_balance_lcy, 0) AS overdue_balance_lcy,
               COALESCE(agg.balance_lcy, 0) - COALESCE(agg.overdue_balance_lcy, 0) AS not_due_lcy,
               {", ".join(f"COALESCE(agg.band_{i}_lcy, 0) AS band_{i}_lcy" for i in range(1, MAX_BANDS + 1))},
               ROUND(agg.days_to_pay_sum::numeric / NULLIF(agg.settled_count, 0), 2) AS avg_days_to_pay,
               ROUND(agg.overdue_days_sum::numeric / NULLIF(agg.settled_count, 0), 2) AS avg_overdue_days,
               CASE WHEN agg.settled_count > 0
                    THEN ROUND(COALESCE(agg.late_amount_days_sum, 0) / NULLIF(agg.settled_amount_lcy, 0), 2)
               END AS weighted_days_late,
               agg.avg_days_overdue_open,
               COALESCE(agg.open_invoices_count, 0) AS open_invoices_count,
               date '2000-01-01' + agg.last_payment[1]::int AS last_payment_date,
               agg.last_payment[3] AS last_payment_amount_lcy,
               COALESCE(todos.todo_count, 0) AS todo_count,
               COALESCE(todos.overdue_todo_count, 0) AS overdue_todo_count
          FROM aging_customerstatistics s
          JOIN customers_customer c ON c.id = s.customer_id
          LEFT JOIN agg ON agg.customer_id = s.customer_id
          LEFT JOIN todos ON todos.customer_id = s.customer_id
         WHERE s.tenant_id = %(tenant)s {stats_ids}
    )
    SELECT customer_id, snap_version, entries_count,
           balance_lcy, overdue_balance_lcy, not_due_lcy,
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
      FROM fresh
    """


def figures_params(*, tenant_id: int, as_of: datetime.date, ids: list[int] | None = None) -> dict:
    params = {"tenant": tenant_id, "as_of": as_of}
    if ids is not None:
        params["ids"] = list(ids)
    return params
