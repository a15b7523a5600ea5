"""The branches each customer belongs to or has ledger entries in (`CustomerBranch`), kept by the database.

Triggers on the entries and on the customers keep one row per (customer, branch): inserted rows add their
pairs (statement-level, set-based from the statement's new rows, so a bulk load pays once); an update that
moves an entry or a customer to another branch (a row trigger that fires only when the branch or the
customer changes) or a delete removes the pair once the customer neither belongs to that branch nor has an
entry left there. Existing customers and entries are read once here.
"""

import django.db.models.deletion
from django.db import migrations, models

# A pair (customer, branch) stays while the customer belongs to the branch or has an entry in it.
KEEP = """
    NOT EXISTS (SELECT 1 FROM ledger_ledgerentry e WHERE e.customer_id = gone.customer_id AND e.branch_id = gone.branch_id)
    AND NOT EXISTS (SELECT 1 FROM customers_customer c WHERE c.id = gone.customer_id AND c.branch_id = gone.branch_id)
"""

TRIGGERS = f"""
CREATE FUNCTION ledger_customer_branch_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_customerbranch (tenant_id, customer_id, branch_id)
    SELECT DISTINCT tenant_id, {{customer}}, branch_id FROM new_rows WHERE branch_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION ledger_customer_branch_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.branch_id IS NOT NULL THEN
        INSERT INTO ledger_customerbranch (tenant_id, customer_id, branch_id)
        VALUES (NEW.tenant_id, NEW.{{customer}}, NEW.branch_id)
        ON CONFLICT DO NOTHING;
    END IF;
    IF OLD.branch_id IS NOT NULL THEN
        DELETE FROM ledger_customerbranch p
         USING (SELECT OLD.{{customer}} AS customer_id, OLD.branch_id AS branch_id) gone
         WHERE p.customer_id = gone.customer_id AND p.branch_id = gone.branch_id AND {KEEP};
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION ledger_customer_branch_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ledger_customerbranch p
     USING (SELECT DISTINCT {{customer}} AS customer_id, branch_id FROM old_rows WHERE branch_id IS NOT NULL) gone
     WHERE p.customer_id = gone.customer_id AND p.branch_id = gone.branch_id AND {KEEP};
    RETURN NULL;
END $$;
"""


def _functions(table: str, customer: str) -> str:
    """The three functions for one table (`customer`: the column naming the customer), suffixed."""
    suffix = "entry" if table == "ledger_ledgerentry" else "customer"
    sql = TRIGGERS.replace("{customer}", customer)
    for name in ("add", "update", "remove"):
        sql = sql.replace(f"ledger_customer_branch_{name}()", f"ledger_customer_branch_{name}_{suffix}()")
    for event, name, referencing in (
        ("INSERT", "add", "NEW TABLE AS new_rows"),
        ("DELETE", "remove", "OLD TABLE AS old_rows"),
    ):
        sql += (
            f"CREATE TRIGGER {suffix}_customer_branch_{name} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_customer_branch_{name}_{suffix}();\n"
        )
    # An update moves a pair only when it changes the branch or the customer: a row trigger on those two
    # columns with that condition, so the imports' and applications' updates of millions of entries
    # (amounts, open flags) do not fire it at all.
    sql += (
        f"CREATE TRIGGER {suffix}_customer_branch_update AFTER UPDATE OF branch_id, {customer} ON {table} "
        f"FOR EACH ROW WHEN (OLD.branch_id IS DISTINCT FROM NEW.branch_id OR OLD.{customer} <> NEW.{customer}) "
        f"EXECUTE FUNCTION ledger_customer_branch_update_{suffix}();\n"
    )
    return sql


FORWARDS = (
    _functions("ledger_ledgerentry", "customer_id")
    + _functions("customers_customer", "id")
    + """
INSERT INTO ledger_customerbranch (tenant_id, customer_id, branch_id)
SELECT DISTINCT tenant_id, customer_id, branch_id FROM ledger_ledgerentry WHERE branch_id IS NOT NULL
UNION
SELECT tenant_id, id, branch_id FROM customers_customer WHERE branch_id IS NOT NULL
ON CONFLICT DO NOTHING;
ANALYZE ledger_customerbranch;
"""
)

BACKWARDS = "".join(
    f"DROP TRIGGER {suffix}_customer_branch_{name} ON {table};\n"
    f"DROP FUNCTION ledger_customer_branch_{name}_{suffix}();\n"
    for table, suffix in (("ledger_ledgerentry", "entry"), ("customers_customer", "customer"))
    for name in ("add", "update", "remove")
)


class Migration(migrations.Migration):
    dependencies = [
        ("creditcontrol", "0005_tenant_controllers_own_customers_only"),
        ("customers", "0004_active_flag"),
        ("ledger", "0007_entry_document_no_trigram"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerBranch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "branch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="customers.branch"
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="customers.customer"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="creditcontrol.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "branch", "customer"), name="customer_branch_unique"
                    )
                ],
            },
        ),
        migrations.RunSQL(FORWARDS, BACKWARDS),
    ]
