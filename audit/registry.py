"""Which tables the audit log tracks, and the PostgreSQL triggers that record their changes.

A model is tracked by one line in `audit/tracked.py`: `track(Model, customer="customer")`. After every
`migrate`, `install()` (re)creates, for every tracked table, three statement-level triggers (insert,
update, delete): each reads the statement's transition tables, so a bulk import's upsert of 200,000
customers is one `INSERT ... SELECT` into the log, not 200,000 calls. An update writes one row per
changed column (old and new value as text; the comparison is generated per table from the model), an
insert one row naming the created row, a delete one row holding the deleted row as JSON (the generic
`audit_record_delete()`). A model tracked for a few columns only
(`only=[...]`, the ledger entries' status code) gets one row-level trigger whose `WHEN` condition
compares those columns, so a statement that does not change them costs a comparison per row and no call.

Every row carries the connection's `audit.context` (`creditcontrol.auditing`): its source, user, reason
and import job get columns of their own, the whole object is kept in `context`. The functions are
SECURITY DEFINER (they run as the tables' owner), so the application's role needs, and has, no right to
write the log: it may only read it (under the tenant policy like every tenant table). A trigger on the
log refuses any UPDATE or DELETE, whoever asks.
"""

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from psycopg2 import sql

from creditcontrol import rowsecurity

from .models import AuditChange

TABLE = AuditChange._meta.db_table
# Never audited: the row's own key and tenant, and bookkeeping stamps.
ALWAYS_IGNORED = ("id", "tenant_id", "created_at", "updated_at")
TRIGGERS = ("audit_insert", "audit_update", "audit_delete")


@dataclass(frozen=True)
class Tracked:
    model: type[models.Model]
    customer: str | None  # the column naming the row's customer ("id" for the customers themselves)
    tenant: str  # the column naming the row's tenant ("id" for the tenants themselves)
    ignore: tuple[str, ...] = ()
    only: tuple[str, ...] = ()  # track these columns' updates only (row-level, with a WHEN condition)

    @property
    def table(self) -> str:
        return self.model._meta.db_table


REGISTRY: dict[str, Tracked] = {}


def _column(model, name: str) -> str:
    return model._meta.get_field(name).column


def track(
    model: type[models.Model],
    *,
    customer: str | None = None,
    tenant: str = "tenant",
    ignore: tuple[str, ...] | list[str] = (),
    only: tuple[str, ...] | list[str] = (),
) -> None:
    """Record every change to `model`'s rows (or, with `only`, to those fields). `customer` names the field
    that leads to the row's customer ("pk" for a customer), `tenant` the one that leads to its tenant."""
    REGISTRY[model._meta.db_table] = Tracked(
        model=model,
        customer=_column(model, customer) if customer and customer != "pk" else ("id" if customer else None),
        tenant=_column(model, tenant) if tenant != "pk" else "id",
        ignore=tuple(_column(model, name) for name in ignore),
        only=tuple(_column(model, name) for name in only),
    )


def tracked_for(table: str) -> Tracked | None:
    return REGISTRY.get(table)


_CONTEXT_COLUMNS = """
    coalesce(ctx ->> 'source', 'database'), (ctx ->> 'user_id')::bigint, ctx ->> 'reason', ctx ->> 'job', ctx
"""

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION audit_context() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT coalesce(nullif(current_setting('audit.context', true), '')::jsonb, '{{}}'::jsonb)
$$;

CREATE OR REPLACE FUNCTION audit_record_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
DECLARE
    ctx jsonb := audit_context();
    tenant_column text := TG_ARGV[0];
    customer_column text := nullif(TG_ARGV[1], '');
    ignored text[] := TG_ARGV[2]::text[];
BEGIN
    INSERT INTO {TABLE} (tenant_id, occurred_at, entity, object_id, customer_id, action, field,
                     old_value, new_value, source, user_id, reason, job, context)
    SELECT (o.r ->> tenant_column)::bigint, clock_timestamp(), TG_TABLE_NAME, o.id,
           (o.r ->> customer_column)::bigint, 'delete', '', jsonb_strip_nulls(o.r - ignored)::text, NULL,
           {_CONTEXT_COLUMNS}
      FROM (SELECT t.id, to_jsonb(t) AS r FROM audit_old t) o;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit_record_columns() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    ctx jsonb := audit_context();
    o jsonb := to_jsonb(OLD);
    n jsonb := to_jsonb(NEW);
    tenant_column text := TG_ARGV[0];
    customer_column text := nullif(TG_ARGV[1], '');
    col text;
BEGIN
    FOREACH col IN ARRAY TG_ARGV[2]::text[] LOOP
        IF n -> col IS DISTINCT FROM o -> col THEN
            INSERT INTO {TABLE} (tenant_id, occurred_at, entity, object_id, customer_id, action, field,
                                 old_value, new_value, source, user_id, reason, job, context)
            VALUES ((n ->> tenant_column)::bigint, clock_timestamp(), TG_TABLE_NAME, (n ->> 'id')::bigint,
                    (n ->> customer_column)::bigint, 'update', col, o ->> col, n ->> col,
                    {_CONTEXT_COLUMNS});
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit log cannot be changed or deleted (% refused).', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def _values(columns: list[str], side: str) -> sql.Composable:
    """`WHEN 'name' THEN o.name::text ...`: a changed column's value as text, on the old or new side."""
    return sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN {}.{}::text").format(sql.Literal(column), sql.SQL(side), sql.Identifier(column))
        for column in columns
    )


def _update_function(tracked: Tracked) -> tuple[sql.Composable, sql.Composable]:
    """The update trigger's function of one table: its columns compared one by one, old with new, each
    changed one a row (only a changed column's values are turned into text). Generated per table, from
    the model, at every `migrate`: comparisons written out for each column cost a fraction of turning
    every row into JSON and comparing the documents key by key."""
    ignored = {*ALWAYS_IGNORED, tracked.tenant, *tracked.ignore}
    columns = [f.column for f in tracked.model._meta.concrete_fields if f.column not in ignored]
    name = sql.Identifier(f"audit_update_{tracked.table}")
    changed = sql.SQL(",\n").join(
        sql.SQL("CASE WHEN o.{col} IS DISTINCT FROM n.{col} THEN {name} END").format(
            col=sql.Identifier(column), name=sql.Literal(column)
        )
        for column in columns
    )
    customer = _new_customer(tracked)
    body = sql.SQL(
        """
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
DECLARE
    ctx jsonb := audit_context();
BEGIN
    INSERT INTO {table} (tenant_id, occurred_at, entity, object_id, customer_id, action, field,
                         old_value, new_value, source, user_id, reason, job, context)
    SELECT n.{tenant}, clock_timestamp(), TG_TABLE_NAME, n.id, {customer}, 'update', c.field,
           CASE c.field {old} END, CASE c.field {new} END,
           {context}
      FROM audit_new n
      JOIN audit_old o ON o.id = n.id
     CROSS JOIN LATERAL unnest(array_remove(ARRAY[{changed}]::text[], NULL)) c (field);
    RETURN NULL;
END $$;
"""
    ).format(
        name=name,
        table=sql.Identifier(TABLE),
        tenant=sql.Identifier(tracked.tenant),
        customer=customer,
        context=sql.SQL(_CONTEXT_COLUMNS),
        changed=changed,
        old=_values(columns, "o"),
        new=_values(columns, "n"),
    )
    return name, body


def _new_customer(tracked: Tracked) -> sql.Composable:
    """The changed (new) row's customer, for the log's `customer_id`; NULL for a setup table."""
    return sql.SQL("n.{}").format(sql.Identifier(tracked.customer)) if tracked.customer else sql.SQL("NULL")


def _insert_function(tracked: Tracked) -> tuple[sql.Composable, sql.Composable]:
    """The insert trigger's function of one table: one row per created row, without its values (they are
    the row's current ones, back through its later changes, each recorded; a deletion keeps them all)."""
    name = sql.Identifier(f"audit_insert_{tracked.table}")
    customer = _new_customer(tracked)
    body = sql.SQL(
        """
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
DECLARE
    ctx jsonb := audit_context();
BEGIN
    INSERT INTO {table} (tenant_id, occurred_at, entity, object_id, customer_id, action, field,
                         old_value, new_value, source, user_id, reason, job, context)
    SELECT n.{tenant}, clock_timestamp(), TG_TABLE_NAME, n.id, {customer}, 'insert', '', NULL, NULL,
           {context}
      FROM audit_new n;
    RETURN NULL;
END $$;
"""
    ).format(
        name=name,
        table=sql.Identifier(TABLE),
        tenant=sql.Identifier(tracked.tenant),
        customer=customer,
        context=sql.SQL(_CONTEXT_COLUMNS),
    )
    return name, body


def _array(values) -> str:
    return "{" + ",".join(values) + "}"


def _triggers(cursor, tracked: Tracked) -> None:
    table = sql.Identifier(tracked.table)
    for name in TRIGGERS:
        cursor.execute(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(name), table))
    base = [tracked.tenant, tracked.customer or ""]
    if tracked.only:
        changed = sql.SQL(" OR ").join(
            sql.SQL("OLD.{col} IS DISTINCT FROM NEW.{col}").format(col=sql.Identifier(column))
            for column in tracked.only
        )
        cursor.execute(
            sql.SQL(
                "CREATE TRIGGER audit_update AFTER UPDATE ON {} FOR EACH ROW WHEN ({}) "
                "EXECUTE FUNCTION audit_record_columns({}, {}, {})"
            ).format(table, changed, *map(sql.Literal, [*base, _array(tracked.only)]))
        )
        return
    ignored = sql.Literal(_array([*ALWAYS_IGNORED, tracked.tenant, *tracked.ignore]))
    delete = sql.SQL("audit_record_delete({})").format(sql.SQL(", ").join([*map(sql.Literal, base), ignored]))
    insert, insert_body = _insert_function(tracked)
    update, body = _update_function(tracked)
    cursor.execute(insert_body)
    cursor.execute(body)
    for name, event, tables, function in (
        ("audit_insert", "INSERT", "NEW TABLE AS audit_new", sql.SQL("{}()").format(insert)),
        (
            "audit_update",
            "UPDATE",
            "OLD TABLE AS audit_old NEW TABLE AS audit_new",
            sql.SQL("{}()").format(update),
        ),
        ("audit_delete", "DELETE", "OLD TABLE AS audit_old", delete),
    ):
        cursor.execute(
            sql.SQL(
                "CREATE TRIGGER {} AFTER {} ON {} REFERENCING {} FOR EACH STATEMENT EXECUTE FUNCTION {}"
            ).format(sql.Identifier(name), sql.SQL(event), table, sql.SQL(tables), function)
        )


def install(using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the functions and every tracked table's triggers, and close the log to the application's
    writes. Idempotent; runs as the owner after every `migrate`."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        role = rowsecurity.app_user()
        cursor.execute("SELECT current_user")
        if role and cursor.fetchone()[0] == role:
            return  # a `flush` run as the application, which cannot change the schema
        cursor.execute(FUNCTIONS)
        for tracked in REGISTRY.values():
            _triggers(cursor, tracked)
        cursor.execute(
            sql.SQL("DROP TRIGGER IF EXISTS audit_change_immutable ON {}").format(sql.Identifier(TABLE))
        )
        cursor.execute(
            sql.SQL(
                "CREATE TRIGGER audit_change_immutable BEFORE UPDATE OR DELETE ON {} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()"
            ).format(sql.Identifier(TABLE))
        )
        if role:
            cursor.execute(
                sql.SQL("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.Identifier(TABLE), sql.Identifier(role)
                )
            )
            cursor.execute(
                sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(TABLE), sql.Identifier(role))
            )


def set_enabled(cursor, enabled: bool) -> None:
    """Switch every tracked table's audit triggers on or off (the owner only: the benchmark's comparison)."""
    verb = sql.SQL("ENABLE" if enabled else "DISABLE")
    for tracked in REGISTRY.values():
        names = ("audit_update",) if tracked.only else TRIGGERS
        for name in names:
            cursor.execute(
                sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
                    sql.Identifier(tracked.table), verb, sql.Identifier(name)
                )
            )
