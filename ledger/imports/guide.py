"""The import formats as users read them in the application: each file's columns with what they mean, and
a sample file of each kind that imports as it is into any company (docs/import-formats.md has the rules
in full). The columns are the loader's own (`formats.FORMATS`); a test keeps the two the same."""

from dataclasses import dataclass

from .formats import FORMATS


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    required: bool


@dataclass(frozen=True)
class Guide:
    kind: str
    title: str
    key: str
    summary: str
    columns: list[Column]
    sample: str

    @property
    def filename(self) -> str:
        return f"sample-{self.kind}.csv"


_MEANINGS = {
    "customers": {
        "code": "the ERP's customer number (at most 20 characters)",
        "name": "at most 200 characters",
        "customer_type": "free text (at most 40), e.g. Business, Retail",
        "group": "code of a customer group set up in the application",
        "branch": "code of a branch set up in the application",
        "currency": "ISO 4217 code; blank: the company's local currency",
        "payment_terms": "code of payment terms set up in the application",
        "credit_limit": "in local currency, zero or more; blank: no limit (0: nothing on credit)",
        "blocked": "yes/no",
        "hold_all": "yes/no: hold every sales document whatever the balance",
        "controller": "user name of the credit controller, a member of this company",
        "email": "the customer's e-mail address",
        "phone": "at most 40 characters",
        "address": "free text, may span lines (quoted)",
        "city": "at most 100 characters; search finds customers by it",
        "country": "ISO 3166 two-letter code",
        "tags": "separated by |, each at most 40 characters",
    },
    "entries": {
        "external_id": "the ERP's id of the entry (at most 100 characters)",
        "customer": "customer code (the customer must exist, or come in the same feed)",
        "document_type": "invoice, credit_memo, payment, refund, finance_charge_memo or reminder",
        "document_no": "at most 40 characters, kept as text (leading zeros stay)",
        "posting_date": "YYYY-MM-DD",
        "amount": "signed from the company's side: positive for invoices, refunds, finance charge memos and "
        "reminders; negative for payments and credit memos",
        "document_date": "blank: the posting date",
        "due_date": "blank: from the customer's payment terms (invoices and the like), else the document date",
        "description": "at most 250 characters",
        "currency": "blank: the customer's currency, else the company's local currency",
        "amount_lcy": "the amount in local currency, same sign; required when the currency is not the local one",
        "branch": "branch code; blank: the customer's branch",
        "on_hold": "yes/no",
    },
    "applications": {
        "external_id": "the ERP's id of the application (at most 100 characters)",
        "applying_entry": "external id of the payment or credit memo",
        "applied_entry": "external id of the invoice, refund, finance charge memo or reminder",
        "amount": "more than zero, in the entries' currency; never more than is left on either entry",
        "posting_date": "YYYY-MM-DD, not before either entry's posting date",
    },
}

_SAMPLES = {
    "customers": (
        "code,name,customer_type,group,branch,currency,payment_terms,credit_limit,blocked,hold_all,controller,"
        "email,phone,address,city,country,tags\n"
        "C001,Acme Foods Ltd,Business,,,,,5000,no,no,,ap@acme.example,+44 20 7946 0001,1 High Street,London,"
        "GB,key-account|north\n"
        "C002,Baker Builders plc,Business,,,,,,yes,no,,,,,Leeds,GB,\n"
    ),
    "entries": (
        "external_id,customer,document_type,document_no,posting_date,document_date,due_date,description,"
        "currency,amount,amount_lcy,branch,on_hold\n"
        "INV-1001,C001,invoice,SI0001001,2025-01-15,2025-01-15,2025-02-14,Sales invoice,,1200.00,,,no\n"
        "CM-2001,C001,credit_memo,SCM002001,2025-01-20,,,Returned goods,,-200.00,,,no\n"
        "PAY-3001,C001,payment,PMT003001,2025-02-10,,,Payment received,,-1000.00,,,\n"
        "INV-1002,C002,invoice,SI0001002,2025-01-16,,2025-02-15,Sales invoice,,500.00,,,\n"
    ),
    "applications": (
        "external_id,applying_entry,applied_entry,amount,posting_date\n"
        "APP-1,PAY-3001,INV-1001,1000.00,2025-02-10\n"
        "APP-2,CM-2001,INV-1001,200.00,2025-01-20\n"
    ),
}

_ABOUT = {
    "customers": (
        "Customers",
        "A column left out of the header keeps what is stored; a blank value sets it blank.",
    ),
    "entries": ("Ledger entries", "Import the customers first. New entries are open for their whole amount."),
    "applications": (
        "Applications",
        "Payments and credit memos applied to invoices; every column is required. Import the entries first.",
    ),
}


# The ERP's PDFs of entries come as a ZIP file, imported by messaging (which the ledger may not import):
# their manifest's format is kept here as plain data, so the formats page shows it with the CSV files.
DOCUMENTS = Guide(
    kind="documents",
    title="The ERP's PDFs (ZIP)",
    key="document_no",
    summary=(
        "A ZIP file of the ERP's invoices and credit memos, each PDF named by its entry's document number "
        "(SI0001001.pdf, the extension in any case; folders inside the zip are ignored), at most 10 MB each "
        "and 500 MB in all. Add documents.csv, with the columns below, where a number is on several entries "
        "(of different types or customers) or the files are named otherwise; PDFs it does not name are "
        "matched by their file name. A new PDF of an entry replaces its old one; the same PDF changes nothing."
    ),
    columns=[
        Column("document_no", "the entry's document number, as in the ledger entries file", True),
        Column(
            "document_type", "invoice, credit_memo, payment, refund, finance_charge_memo or reminder", False
        ),
        Column("customer_code", "the entry's customer", False),
        Column("file", "the PDF's name or its path in the zip; blank: <document_no>.pdf", False),
    ],
    sample=(
        "document_no,document_type,customer_code,file\n"
        "SI0001001,invoice,C001,SI0001001.pdf\n"
        "SCM002001,credit_memo,C001,credit-memos/SCM002001.pdf\n"
    ),
)


def guides() -> list[Guide]:
    result = []
    for kind, (title, summary) in _ABOUT.items():
        fmt = FORMATS[kind]
        result.append(
            Guide(
                kind=kind,
                title=title,
                key=fmt.key,
                summary=summary,
                columns=[
                    Column(name, _MEANINGS[kind][name], name in fmt.required)
                    for name in (*fmt.required, *fmt.optional)
                ],
                sample=_SAMPLES[kind],
            )
        )
    return result


def guide(kind: str) -> Guide | None:
    return next((g for g in (*guides(), DOCUMENTS) if g.kind == kind), None)
