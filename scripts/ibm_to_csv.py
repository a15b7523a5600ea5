"""Convert the IBM "Accounts Receivable" sample into the three import files (customers, entries, applications).

    python scripts/ibm_to_csv.py [SOURCE.csv] [OUT_DIR]

Each IBM row is an invoice settled in full: it becomes an invoice (INV-<invoiceNumber>), a payment
dated SettledDate (PAY-<invoiceNumber>) and an application of the whole amount (APP-<invoiceNumber>).
The mapping is described in docs/import-formats.md ("The IBM sample data set").
"""

import csv
import datetime
import sys
from pathlib import Path

# The copy kept with the tests (see tests/data/ibm-accounts-receivable/README.md).
DEFAULT_SOURCE = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "data"
    / "ibm-accounts-receivable"
    / "WA_Fn-UseC_-Accounts-Receivable.csv"
)

CUSTOMER_COLUMNS = ["code", "name", "customer_type", "tags"]
ENTRY_COLUMNS = [
    "external_id",
    "customer",
    "document_type",
    "document_no",
    "posting_date",
    "document_date",
    "due_date",
    "description",
    "currency",
    "amount",
    "amount_lcy",
]
APPLICATION_COLUMNS = ["external_id", "applying_entry", "applied_entry", "amount", "posting_date"]


def us_date(value: str) -> str:
    """M/D/YYYY -> YYYY-MM-DD."""
    return datetime.datetime.strptime(value.strip(), "%m/%d/%Y").date().isoformat()


def convert(source: Path, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {kind: out_dir / f"{kind}.csv" for kind in ("customers", "entries", "applications")}
    customers: dict[str, set[str]] = {}
    with (
        open(source, newline="", encoding="utf-8") as infile,
        open(paths["entries"], "w", newline="", encoding="utf-8") as entries_file,
        open(paths["applications"], "w", newline="", encoding="utf-8") as applications_file,
    ):
        entries = csv.writer(entries_file, lineterminator="\n")
        applications = csv.writer(applications_file, lineterminator="\n")
        entries.writerow(ENTRY_COLUMNS)
        applications.writerow(APPLICATION_COLUMNS)
        for row in csv.DictReader(infile):
            number = row["invoiceNumber"].strip()  # text: keeps its leading zeros
            amount = row["InvoiceAmount"].strip()
            settled = us_date(row["SettledDate"])
            customer = row["customerID"].strip()
            customers.setdefault(customer, set()).add(row["countryCode"].strip())
            disputed = row["Disputed"].strip().lower() == "yes"
            entries.writerow(
                [
                    f"INV-{number}",
                    customer,
                    "invoice",
                    number,
                    us_date(row["InvoiceDate"]),
                    us_date(row["InvoiceDate"]),
                    us_date(row["DueDate"]),
                    f"Invoice {number} ({row['PaperlessBill'].strip().lower()})"
                    + (" - disputed" if disputed else ""),
                    "",
                    amount,
                    "",
                ]
            )
            entries.writerow(
                [
                    f"PAY-{number}",
                    customer,
                    "payment",
                    f"PAY-{number}",
                    settled,
                    settled,
                    settled,
                    f"Payment of invoice {number}",
                    "",
                    f"-{amount}",
                    "",
                ]
            )
            applications.writerow([f"APP-{number}", f"PAY-{number}", f"INV-{number}", amount, settled])
    with open(paths["customers"], "w", newline="", encoding="utf-8") as customers_file:
        writer = csv.writer(customers_file, lineterminator="\n")
        writer.writerow(CUSTOMER_COLUMNS)
        for code in sorted(customers):
            tags = "|".join(f"ibm-country-{country}" for country in sorted(customers[code]))
            writer.writerow([code, f"IBM sample customer {code}", "Business", tags])
    return paths


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    out_dir = Path(argv[2]) if len(argv) > 2 else Path("var/ibm")
    for kind, path in convert(source, out_dir).items():
        print(f"{kind}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
