"""manage.py bench [--only seed|import|audit|recalculation|pages|load|freshness|statements|chasing] [--customers N] [--entries N]: the project's benchmarks.

Each part prints its figures (and, where it compares, the ratio against a bare SQL baseline measured in
the same run). The defaults are the sizes the product promises to handle; pass smaller ones for a quick run.
"""

import time

from django.core.management.base import BaseCommand

from creditcontrol.rowsecurity import owner_connection
from project.bench.audit import run as run_audit
from project.bench.chasing import run as run_chasing
from project.bench.freshness import run as run_freshness
from project.bench.imports import run as run_import
from project.bench.load import run as run_load
from project.bench.pages import run as run_pages
from project.bench.recalculation import run as run_recalculation
from project.bench.seed import run as run_seed
from project.bench.statements import run as run_statements

PARTS = ("seed", "import", "audit", "recalculation", "pages", "load", "freshness", "statements", "chasing")


class Command(BaseCommand):
    help = "Run the benchmarks and print their figures."

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=PARTS, action="append", help="Run only this part (repeatable)")
        parser.add_argument("--customers", type=int, default=200_000)
        parser.add_argument("--entries", type=int, default=10_000_000)
        parser.add_argument("--import-entries", type=int, default=1_000_000)
        parser.add_argument("--audit-customers", type=int, default=200_000)
        parser.add_argument("--statements", type=int, default=10_000, help="statements: how many to send")
        parser.add_argument("--audit-rounds", type=int, default=1, help="audit: rounds of off and on")
        parser.add_argument(
            "--explain",
            action="store_true",
            help="pages: EXPLAIN ANALYZE the slowest queries of a page over target",
        )

    def handle(self, *args, only, customers, entries, import_entries, explain, **options):
        self.audit = {"customers": options["audit_customers"], "rounds": options["audit_rounds"]}
        self.statements = options["statements"]
        # The benchmarks make and drop their tenants wholesale, which is the owner's work; what they time
        # runs as the application (`use_app_role` around the measurement, or the server they start).
        with owner_connection():
            self._run(only, customers, entries, import_entries, explain)

    def _run(self, only, customers, entries, import_entries, explain):
        for part in only or PARTS:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {part} =="))
            started = time.monotonic()
            if part == "seed":
                run_seed(self.stdout, customers=customers, entries=entries)
            elif part == "import":
                run_import(self.stdout, entries=import_entries)
            elif part == "audit":
                run_audit(self.stdout, entries=import_entries, **self.audit)
            elif part == "recalculation":
                run_recalculation(self.stdout, customers=customers, entries=entries)
            elif part == "pages":
                run_pages(self.stdout, customers=customers, entries=entries, explain=explain)
            elif part == "load":
                run_load(self.stdout, customers=customers, entries=entries)
            elif part == "statements":
                run_statements(self.stdout, statements=self.statements)
            elif part == "chasing":
                run_chasing(self.stdout, customers=customers, entries=entries)
            else:
                run_freshness(self.stdout, customers=customers, entries=entries)
            self.stdout.write(f"({part}: {time.monotonic() - started:.1f} s in all)")
