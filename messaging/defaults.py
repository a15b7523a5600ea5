"""The templates every tenant starts with: (channel, purpose, subject, text), in English."""

TEMPLATES = [
    (
        "email",
        "statement",
        "Statement of account {{ customer.code }} as of {{ as_of }}",
        "Dear {{ contact.name }},\n\nPlease find attached your statement of account as of {{ as_of }}.\n"
        "Your balance is {{ balance }}, of which {{ overdue }} is overdue.\n\n{{ overdue_items }}\n\n"
        "If you have already paid, thank you, and please let us know the payment's date and reference.\n\n"
        "Kind regards,\n{{ controller.name }}\n{{ company.name }}",
    ),
    (
        "email",
        "invoice_copy",
        "Copy of your documents, {{ customer.code }}",
        "Dear {{ contact.name }},\n\nAs requested, please find attached the copies.\n\n"
        "Kind regards,\n{{ controller.name }}\n{{ company.name }}",
    ),
    (
        "email",
        "free",
        "Your account {{ customer.code }} with {{ company.name }}",
        "Dear {{ contact.name }},\n\n\n\nKind regards,\n{{ controller.name }}\n{{ company.name }}",
    ),
]
