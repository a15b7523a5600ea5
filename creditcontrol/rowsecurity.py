"""Row-level security: the second wall under tenancy.

The first wall is `TenantManager`, which scopes every ORM query to the current tenant. Raw SQL is not
behind it, so PostgreSQL keeps a second one: every tenant-owned table has a policy that admits only the
rows of the tenant named by the connection's `app.tenant_id` setting, and the application connects as a
role (`DATABASE_APP_USER`, `creditcontrol_app` unless configured) that is neither a superuser nor the
tables' owner, so the policies apply to it. A statement that forgets its tenant condition sees its own
tenant's rows; with no tenant entered it sees none; a row written for another tenant is refused.

- `app.tenant_id` follows the tenant context (`creditcontrol.tenancy`): it is set whenever a tenant is
  entered or left, and on every new connection. It is a session setting rather than `SET LOCAL`, because
  a tenant is entered before the request's transaction begins and a Celery task runs several
  transactions in one tenant; a rolled-back transaction puts back the value it started with, which is
  the enclosing context's, so the two cannot drift apart.
- Schema changes and maintenance run as the owner (the role of `DATABASE_URL`): `migrate`, `flush`,
  `seed_demo` and the benchmarks' loaders (`owner_connection()`), which bypass the policies. After
  every `migrate`, `install()` creates the application role if it is missing, grants it the data (not
  the schema), and puts the policy on every tenant-owned table, so a new app's tables are covered
  without a migration of their own.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from psycopg2 import errors, sql

from .sql import transaction_failed

SETTING = "app.tenant_id"
POLICY = "tenant_isolation"
# The tenant of the statement, once per statement (the sub-select makes it an InitPlan, not a call per row).
CURRENT_TENANT_SQL = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint)"


def app_user() -> str:
    """The role the application's queries run as ('' when row-level security is switched off)."""
    return settings.DATABASE_APP_USER


def follow(tenant_id: int | None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Point the connection's `app.tenant_id` at `tenant_id` (None: no tenant), if it is open.

    A connection opened later is set when it opens (`tenancy` listens to `connection_created`). A
    transaction already failed cannot run the statement, and need not: its rollback restores the value
    the transaction started with, which is the enclosing context's.
    """
    connection = connections[using]
    if connection.connection is None or transaction_failed(connection):
        return
    with connection.cursor() as cursor:
        set_on(cursor, tenant_id)


def set_on(cursor, tenant_id: int | None) -> None:
    cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, "" if tenant_id is None else str(tenant_id)])


def _owner_settings(connection) -> dict:
    return {
        "USER": connection.settings_dict["OWNER_USER"],
        "PASSWORD": connection.settings_dict["OWNER_PASSWORD"],
    }


def _app_settings() -> dict:
    return {"USER": app_user(), "PASSWORD": settings.DATABASE_APP_PASSWORD}


def _switch(connection, credentials: dict) -> None:
    if all(connection.settings_dict[key] == value for key, value in credentials.items()):
        return
    if connection.in_atomic_block:
        raise RuntimeError("The database role cannot change inside a transaction.")
    connection.close()
    # This thread's connection only: the dict it had is shared with the other threads' connections.
    connection.settings_dict = {**connection.settings_dict, **credentials}


def use_owner(using: str = DEFAULT_DB_ALIAS) -> None:
    """From the next query on, connect as the tables' owner (no policies apply)."""
    if app_user():
        _switch(connections[using], _owner_settings(connections[using]))


def use_app_role(using: str = DEFAULT_DB_ALIAS) -> None:
    """From the next query on, connect as the application's role (the policies apply)."""
    if app_user():
        _switch(connections[using], _app_settings())


@contextmanager
def _connected_as(switch, using: str) -> Iterator[None]:
    connection = connections[using]
    before = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    switch(using)
    try:
        yield
    finally:
        if not connection.in_atomic_block:
            _switch(connection, before)


def owner_connection(using: str = DEFAULT_DB_ALIAS):
    """Run the block as the tables' owner: schema changes, seeding, maintenance. Not for requests."""
    return _connected_as(use_owner, using)


def app_connection(using: str = DEFAULT_DB_ALIAS):
    """Run the block as the application's role (inside maintenance: what a benchmark times)."""
    return _connected_as(use_app_role, using)


class RowSecurityNotInstalled(RuntimeError):
    pass


def install(tables: list[str], joins: list[tuple[str, str, str]], using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the application role if missing, grant it the data, and put the tenant policy on every
    tenant-owned table of `tables`, and on every join table of `joins` (table, column, owning table: a
    row is visible when the row it belongs to is). Idempotent; runs as the owner after every `migrate`."""
    role = app_user()
    if not role:
        return
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return  # a `flush` run as the application (which cannot change the schema, nor needs to)
        _ensure_role(cursor, role)
        name = sql.Identifier(role)
        cursor.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(connection.settings_dict["NAME"]), name
            )
        )
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name))
        cursor.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name)
        )
        cursor.execute(
            sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(name)
        )
        # ANALYZE needs the owner; the application refreshes the planner's statistics after a big load.
        cursor.execute(
            """
            CREATE OR REPLACE FUNCTION creditcontrol_analyze(target regclass) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            BEGIN EXECUTE format('ANALYZE %s', target); END $$
            """
        )
        cursor.execute("REVOKE ALL ON FUNCTION creditcontrol_analyze(regclass) FROM PUBLIC")
        cursor.execute(
            sql.SQL("GRANT EXECUTE ON FUNCTION creditcontrol_analyze(regclass) TO {}").format(name)
        )
        for table in tables:
            _policy(cursor, table, sql.SQL("tenant_id = {}").format(sql.SQL(CURRENT_TENANT_SQL)))
        for table, column, owner in joins:
            # The owning table's own policy applies inside the sub-select.
            _policy(
                cursor,
                table,
                sql.SQL("EXISTS (SELECT 1 FROM {} o WHERE o.id = {})").format(
                    sql.Identifier(owner), sql.Identifier(column)
                ),
            )


def _policy(cursor, table: str, condition: sql.Composable) -> None:
    name = sql.Identifier(table)
    cursor.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(name))
    cursor.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(sql.Identifier(POLICY), name))
    cursor.execute(
        sql.SQL("CREATE POLICY {} ON {} USING ({condition}) WITH CHECK ({condition})").format(
            sql.Identifier(POLICY), name, condition=condition
        )
    )


def _ensure_role(cursor, role: str) -> None:
    cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    row = cursor.fetchone()
    if row is not None:
        if row[0]:
            raise RowSecurityNotInstalled(
                f"The application role '{role}' (DATABASE_APP_USER) is a superuser or bypasses row-level "
                "security: use a plain role, as docs/operations.md describes."
            )
        return
    password = settings.DATABASE_APP_PASSWORD
    statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE").format(
        sql.Identifier(role)
    )
    if password:
        statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
    try:
        with transaction.atomic():
            cursor.execute(statement)
    except DatabaseError as error:
        if isinstance(error.__cause__, errors.DuplicateObject):
            return  # made at the same moment by another migrate (roles belong to the whole server)
        if not isinstance(error.__cause__, errors.InsufficientPrivilege):
            raise
        raise RowSecurityNotInstalled(
            f"The application role '{role}' (DATABASE_APP_USER) does not exist and the owner of the "
            "database may not create it: create it as docs/operations.md describes."
        ) from error


def analyze(cursor, table: str) -> None:
    """Refresh the planner's statistics of one of our tables (the application may not ANALYZE them
    itself: PostgreSQL reserves it to the owner)."""
    if app_user():
        cursor.execute("SELECT creditcontrol_analyze(%s::regclass)", [table])
    else:
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
