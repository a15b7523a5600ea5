"""The proposal of a chasing run, set-based: one statement over the open entries, whatever the number of
customers (no loop over customers or entries in Python).

For each open entry of the run's customers, with its customer's policy (the customer's own, else its
group's, else the tenant's default) and the level it has reached (`EntryChasing`):

- its *next level* is the level after the one reached, when its days overdue have reached that level's
  days; after the last level, the last again, at most `repeat_last_times` times and `repeat_after_days`
  apart; never twice on one day. A credit (an unapplied payment, a credit memo) has none: it is netted.
- it is *left out*, with the reason, when its status code excludes it from chasing (queried, disputed) or
  a pending promise covers it until its date plus the tenant's grace days.

A customer (per currency) with an item at its next level gets a reminder at the highest of them, unless
the customer is left out, with the first of these reasons: never chased; paused (itself, or its group)
up to a day not yet past; its ledger not fed for longer than the freshness limit; overdue (local currency,
credits netted) below the policy's minimum; contacted fewer than the policy's gap days ago (an
interaction of any kind but a note, or a message waiting to go, up to the end of the run's day); no address for the level's channel and
no postal address either (with a postal address, the reminder goes as a letter). A customer whose only
items due for a reminder are left out is listed as left out, with its items' reasons.
"""

import datetime
import zoneinfo

from django.db import connection
from django.utils import timezone

from creditcontrol.formats import sql_date_pattern, sql_money
from creditcontrol.tenancy import current_tenant
from customers.models import Contact, Customer, CustomerGroup
from interactions.models import Interaction, Promise, PromiseEntry, StatusCode
from ledger.models import LedgerEntry, LedgerFeed
from messaging.models import Message, MessageTemplate

from .models import (
    ChasingLevel,
    ChasingPolicy,
    ChasingRun,
    ChasingSetup,
    CustomerChasing,
    EntryChasing,
    GroupChasing,
    Reminder,
    ReminderLine,
)

T = {
    "customer": Customer._meta.db_table,
    "group": CustomerGroup._meta.db_table,
    "contact": Contact._meta.db_table,
    "entry": LedgerEntry._meta.db_table,
    "feed": LedgerFeed._meta.db_table,
    "status": StatusCode._meta.db_table,
    "promise": Promise._meta.db_table,
    "promise_entry": PromiseEntry._meta.db_table,
    "interaction": Interaction._meta.db_table,
    "message": Message._meta.db_table,
    "template": MessageTemplate._meta.db_table,
    "policy": ChasingPolicy._meta.db_table,
    "level": ChasingLevel._meta.db_table,
    "group_chasing": GroupChasing._meta.db_table,
    "customer_chasing": CustomerChasing._meta.db_table,
    "entry_chasing": EntryChasing._meta.db_table,
    "reminder": Reminder._meta.db_table,
    "line": ReminderLine._meta.db_table,
}

# The whole proposal in one statement: the items due for a reminder (or that would be, but are left out);
# a policy's levels as steps, from the level an item has reached to the next (and, from the last, to itself
# again: a repeat); one candidate per customer and currency with its level, channel and, when left out,
# why; the reminders written, then their lines. Everything in between stays in memory (CTEs), not in
# temporary tables written to disk and read back.
PROPOSAL = """
WITH cust AS MATERIALIZED (
    SELECT c.id, COALESCE(cc.policy_id, gc.policy_id, %(default_policy)s) AS policy_id
      FROM {customer} c
      LEFT JOIN {customer_chasing} cc ON cc.customer_id = c.id
      LEFT JOIN {group_chasing} gc ON gc.group_id = c.group_id
     WHERE c.tenant_id = %(tenant)s AND (%(all)s OR c.id = ANY(%(ids)s))
),
level AS MATERIALIZED (
    SELECT l.policy_id, l.number, l.days, p.repeat_last_times, p.repeat_after_days,
           l.number = MAX(l.number) OVER (PARTITION BY l.policy_id) AS is_last
      FROM {level} l JOIN {policy} p ON p.id = l.policy_id
     WHERE p.tenant_id = %(tenant)s AND p.is_active
),
step AS MATERIALIZED (
    SELECT policy_id, number - 1 AS from_level, number AS to_level, days, FALSE AS is_repeat, 0 AS times,
           0 AS after_days
      FROM level
    UNION ALL
    SELECT policy_id, number, number, days, TRUE, repeat_last_times, repeat_after_days FROM level WHERE is_last
),
promised AS MATERIALIZED (
    SELECT pe.entry_id, MAX(p.promised_payment_date) AS promised_date
      FROM {promise_entry} pe JOIN {promise} p ON p.id = pe.promise_id
     WHERE p.tenant_id = %(tenant)s AND p.status = 'pending'
       AND p.promised_payment_date + %(grace)s >= %(as_of)s
     GROUP BY pe.entry_id
),
item AS MATERIALIZED (
    SELECT e.id AS entry_id, e.customer_id, e.currency_code, cust.policy_id, (%(as_of)s - e.due_date) AS days,
           e.remaining_amount AS remaining, COALESCE(ec.level, 0) AS previous_level, step.to_level AS level,
           CASE WHEN sc.exclude_from_chasing THEN 'Status ' || sc.code || ': not chased'
                WHEN promised.promised_date IS NOT NULL
                THEN 'Promised for ' || to_char(promised.promised_date, %(date_pattern)s) END AS left_out
      FROM {entry} e
      JOIN cust ON cust.id = e.customer_id
      LEFT JOIN {entry_chasing} ec ON ec.entry_id = e.id
      JOIN step ON step.policy_id = cust.policy_id AND step.from_level = COALESCE(ec.level, 0)
      LEFT JOIN {status} sc ON sc.id = e.status_code_id
      LEFT JOIN promised ON promised.entry_id = e.id
     WHERE e.tenant_id = %(tenant)s AND e.is_open AND e.remaining_amount > 0 AND e.posting_date <= %(as_of)s
       AND (ec.reminded_on IS NULL OR ec.reminded_on < %(as_of)s)
       AND %(as_of)s - e.due_date >= step.days
       AND (NOT step.is_repeat
            OR (COALESCE(ec.repeats, 0) < step.times AND %(as_of)s - ec.reminded_on >= step.after_days))
),
due AS MATERIALIZED (
    SELECT customer_id, currency_code, MIN(policy_id) AS policy_id,
           MAX(level) FILTER (WHERE left_out IS NULL) AS level,
           string_agg(DISTINCT left_out, '; ') AS left_out
      FROM item GROUP BY customer_id, currency_code
),
overdue AS (
    SELECT e.customer_id, SUM(e.remaining_amount_lcy) AS overdue_lcy
      FROM {entry} e
     WHERE e.tenant_id = %(tenant)s AND e.is_open AND e.due_date < %(as_of)s AND e.posting_date <= %(as_of)s
       AND e.customer_id IN (SELECT customer_id FROM due)
     GROUP BY e.customer_id
),
contacted AS (
    SELECT customer_id, MAX(at) AS at FROM (
        SELECT i.customer_id, i.occurred_at AS at FROM {interaction} i
         WHERE i.tenant_id = %(tenant)s AND i.interaction_type <> 'note'
           AND i.occurred_at >= %(since)s AND i.occurred_at < %(as_of_end)s
        UNION ALL
        SELECT m.customer_id, m.created_at FROM {message} m
         WHERE m.tenant_id = %(tenant)s AND m.status IN ('outbox', 'queued', 'sending')
           AND m.created_at >= %(since)s AND m.created_at < %(as_of_end)s
    ) contact GROUP BY customer_id
),
reachable AS (
    SELECT customer_id, bool_or(email <> '') AS email, bool_or(phone <> '') AS sms
      FROM {contact} WHERE tenant_id = %(tenant)s AND NOT is_inactive GROUP BY customer_id
),
candidate AS MATERIALIZED (
    SELECT due.customer_id, due.currency_code, due.policy_id, due.level, lv.channel AS level_channel,
           COALESCE(overdue.overdue_lcy, 0) AS overdue_lcy,
           CASE WHEN lv.channel = 'email' AND (c.email <> '' OR COALESCE(r.email, FALSE)) THEN 'email'
                WHEN lv.channel = 'sms' AND (c.phone <> '' OR COALESCE(r.sms, FALSE)) THEN 'sms'
                WHEN c.address <> '' THEN 'letter' ELSE '' END AS channel,
           CASE
             WHEN due.level IS NULL THEN 'Every item due for a reminder is left out: ' || due.left_out
             WHEN cc.excluded THEN 'Not chased (set on the customer).'
             WHEN cc.paused_until >= %(as_of)s THEN
                  'Paused until ' || to_char(cc.paused_until, %(date_pattern)s)
                  || CASE WHEN cc.pause_reason <> '' THEN ': ' || cc.pause_reason ELSE '' END || '.'
             WHEN gc.paused_until >= %(as_of)s THEN
                  'Group ' || g.code || ' paused until ' || to_char(gc.paused_until, %(date_pattern)s)
                  || CASE WHEN gc.pause_reason <> '' THEN ': ' || gc.pause_reason ELSE '' END || '.'
             WHEN COALESCE(bf.fed_at, tf.fed_at) IS NULL THEN 'The ledger has never been fed: import it first.'
             WHEN COALESCE(bf.fed_at, tf.fed_at) < %(fresh_since)s THEN
                  'Stale ledger: last fed on ' || to_char(COALESCE(bf.fed_at, tf.fed_at) AT TIME ZONE %(zone)s,
                  %(date_pattern)s) || ', more than ' || %(freshness)s || ' days ago.'
             WHEN COALESCE(overdue.overdue_lcy, 0) < p.minimum_overdue_lcy THEN
                  'Overdue ' || {overdue_money} || ' is below the minimum of ' || {minimum_money} || '.'
             WHEN contacted.at >= %(as_of_start)s - make_interval(days => p.contact_gap_days - 1) THEN
                  'Contacted on ' || to_char(contacted.at AT TIME ZONE %(zone)s, %(date_pattern)s)
                  || ', fewer than ' || p.contact_gap_days || ' days ago.'
             WHEN c.address = '' AND NOT (CASE lv.channel WHEN 'email' THEN c.email <> '' OR COALESCE(r.email, FALSE)
                                                           WHEN 'sms' THEN c.phone <> '' OR COALESCE(r.sms, FALSE)
                                                           ELSE FALSE END) THEN
                  CASE lv.channel WHEN 'email' THEN 'No e-mail address' WHEN 'sms' THEN 'No phone number'
                       ELSE 'No postal address' END || ' and no postal address for a letter.'
             WHEN lv.channel <> 'letter' AND NOT (CASE lv.channel WHEN 'email' THEN c.email <> '' OR COALESCE(r.email, FALSE)
                                                                 WHEN 'sms' THEN c.phone <> '' OR COALESCE(r.sms, FALSE)
                                                                 ELSE FALSE END)
                  AND NOT EXISTS (SELECT 1 FROM {template} t
                                   WHERE t.tenant_id = %(tenant)s AND t.purpose = 'reminder'
                                     AND t.channel = 'letter' AND t.name = lv.template_name) THEN
                  CASE lv.channel WHEN 'email' THEN 'No e-mail address' ELSE 'No phone number' END
                  || ', and no letter template named "' || lv.template_name || '" to write instead.'
           END AS reason
      FROM due
      JOIN {customer} c ON c.id = due.customer_id
      JOIN {policy} p ON p.id = due.policy_id
      LEFT JOIN {level} lv ON lv.policy_id = due.policy_id AND lv.number = due.level
      LEFT JOIN {customer_chasing} cc ON cc.customer_id = c.id
      LEFT JOIN {group_chasing} gc ON gc.group_id = c.group_id
      LEFT JOIN {group} g ON g.id = c.group_id
      LEFT JOIN {feed} bf ON bf.tenant_id = %(tenant)s AND bf.branch_id = c.branch_id
      LEFT JOIN {feed} tf ON tf.tenant_id = %(tenant)s AND tf.branch_id IS NULL
      LEFT JOIN overdue ON overdue.customer_id = c.id
      LEFT JOIN contacted ON contacted.customer_id = c.id
      LEFT JOIN reachable r ON r.customer_id = c.id
),
reminder AS (
    INSERT INTO {reminder} (tenant_id, run_id, customer_id, currency_code, policy_id, level, channel, status,
                            reason, overdue_lcy, subject, body, fee_lcy)
    SELECT %(tenant)s, %(run)s, k.customer_id, k.currency_code, k.policy_id, k.level,
           CASE WHEN k.reason IS NULL THEN k.channel ELSE '' END,
           CASE WHEN k.reason IS NULL THEN 'proposed' ELSE 'skipped' END,
           left(COALESCE(k.reason, CASE WHEN k.channel <> k.level_channel
                                        THEN 'No address for ' || k.level_channel || ': sent as a letter.'
                                        ELSE '' END), 300),
           k.overdue_lcy, '', '', lv.fee_lcy
      FROM candidate k
      LEFT JOIN {level} lv ON lv.policy_id = k.policy_id AND lv.number = k.level
    RETURNING id, customer_id, currency_code
)
INSERT INTO {line} (tenant_id, reminder_id, entry_id, level, previous_level, days_overdue, remaining, left_out)
SELECT %(tenant)s, r.id, i.entry_id, CASE WHEN i.left_out IS NULL THEN i.level END, i.previous_level, i.days,
       i.remaining, COALESCE(i.left_out, '')
  FROM item i
  JOIN reminder r ON r.customer_id = i.customer_id AND r.currency_code = i.currency_code
"""


FEW_CUSTOMERS = 1000


def propose(run: ChasingRun, *, customer_ids: list[int] | None = None) -> dict[str, int]:
    """Write the run's reminders and their lines; returns the counts."""
    tenant = current_tenant()
    setup = ChasingSetup.objects.filter().first() or ChasingSetup(freshness_days=3)
    default = (
        ChasingPolicy.objects.filter(is_default=True, is_active=True).values_list("pk", flat=True).first()
    )
    now = timezone.now()
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    as_of_start = datetime.datetime.combine(run.as_of, datetime.time.min, tzinfo=zone)
    widest_gap = max(ChasingPolicy.objects.values_list("contact_gap_days", flat=True), default=0)
    params = {
        "tenant": tenant.pk,
        "run": run.pk,
        "as_of": run.as_of,
        "as_of_start": as_of_start,
        "as_of_end": as_of_start + datetime.timedelta(days=1),
        "since": as_of_start - datetime.timedelta(days=widest_gap),
        "default_policy": default,
        "all": customer_ids is None,
        "ids": customer_ids or [],
        "grace": tenant.promise_grace_days,
        "fresh_since": now - datetime.timedelta(days=setup.freshness_days),
        "freshness": setup.freshness_days,
        "zone": tenant.time_zone,
        "lcy": tenant.local_currency,
        "date_pattern": sql_date_pattern(),  # the reasons' dates and amounts read like the pages
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # Over many customers, every join is a pass over a whole side (hash joins); a nested loop, chosen on
        # an estimate that is off, would probe an index once per open entry. A few customers (the ticked
        # ones of the credit list) are read through their indexes.
        if customer_ids is None or len(customer_ids) > FEW_CUSTOMERS:
            cursor.execute("SET LOCAL enable_nestloop = off")
        # The plan's cost (a disabled nested loop counts as huge) would have PostgreSQL compile it to machine
        # code first: seconds of compiling for one run of a statement.
        cursor.execute("SET LOCAL jit = off")
        money = {
            "overdue_money": sql_money("COALESCE(overdue.overdue_lcy, 0)", "lcy"),
            "minimum_money": sql_money("p.minimum_overdue_lcy", "lcy"),
        }
        cursor.execute(PROPOSAL.format(**T, **money), params)
        items = cursor.rowcount
        cursor.execute(
            f"""SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'proposed'), COUNT(*) FILTER (WHERE status = 'skipped')
                  FROM {T["reminder"]} WHERE run_id = %s""",
            [run.pk],
        )
        customers, proposed, skipped = cursor.fetchone()
        cursor.execute("RESET enable_nestloop")
        cursor.execute("RESET jit")
    return {"customers": customers, "proposed": proposed, "skipped": skipped, "items": items}
