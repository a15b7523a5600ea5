"""Trigram (pg_trgm) indexes behind the search's infix matches, made where the server ships pg_trgm.

Search matches a fragment anywhere in a document number, a customer's number, name or city, or a contact's
name or e-mail (Django's `icontains`: `UPPER(column::text) LIKE UPPER('%fragment%')`). A B-tree cannot
serve a leading wildcard; a GIN index of `upper(column) gin_trgm_ops` can, for fragments of three
characters or more. PostgreSQL's contrib package ships pg_trgm (the Docker image, Debian's
postgresql-15); the embedded server that `make run` and `make test` start without DATABASE_URL does not,
and there these indexes are left out: the same query then reads the table, which is quick at demo sizes.
The indexes are not in the models' Meta, so `makemigrations` stays quiet either way.
"""

from django.db import migrations


def available(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


def indexes(*specs: tuple[str, str, str], concurrently: bool = False) -> migrations.RunPython:
    """A migration step: `(index name, table, column)` each as a trigram index of upper(column).

    `concurrently` builds without blocking writes (the migration must then be `atomic = False`).
    """
    how = "CONCURRENTLY " if concurrently else ""

    def create(apps, schema_editor):
        connection = schema_editor.connection
        if not available(connection):
            return
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for name, table, column in specs:
                cursor.execute(
                    f'CREATE INDEX {how}IF NOT EXISTS "{name}" ON "{table}" '
                    f'USING gin ((upper("{column}"::text)) gin_trgm_ops)'
                )

    def drop(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            for name, _, _ in specs:
                cursor.execute(f'DROP INDEX {how}IF EXISTS "{name}"')

    return migrations.RunPython(create, drop, elidable=False)
