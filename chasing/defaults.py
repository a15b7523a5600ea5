"""What a tenant starts with: a standard policy of three levels and their reminder templates (English,
e-mail and letter). Runs are started by hand until the tenant turns the schedule on."""

import datetime

LEVELS = [
    # number, name, days after the due date, to-do for the controller
    (1, "Friendly reminder", 3, ""),
    (2, "Second reminder", 17, ""),
    (3, "Final notice", 31, "Call about the final notice"),
]

_BODY = {
    1: "Dear {{ contact.name }},\n\nThis is a friendly reminder that the following items on your account "
    "{{ customer.code }} are now due:\n\n{{ reminder.items }}\n\nYour overdue balance is {{ overdue }}. "
    "If you have already paid, thank you, and please let us know the payment's date and reference.\n\n"
    "Kind regards,\n{{ controller.name }}\n{{ company.name }}",
    2: "Dear {{ contact.name }},\n\nWe have not yet received payment of the following items, although we "
    "reminded you of them:\n\n{{ reminder.items }}\n\nPlease pay the overdue balance of {{ overdue }} "
    "within seven days to {{ company.bank_details }}, or call us if something is wrong with these "
    "documents.\n\nKind regards,\n{{ controller.name }}\n{{ company.name }}",
    3: "Dear {{ contact.name }},\n\nDespite our reminders, the following items remain unpaid:\n\n"
    "{{ reminder.items }}\n\nUnless the overdue balance of {{ overdue }} is paid within seven days, we will "
    "hold further deliveries to your account.\n\n{{ controller.name }}\n{{ company.name }}",
}

TEMPLATES = [
    (number, channel, name, f"{name}: account {{{{ customer.code }}}}", _BODY[number])
    for number, name, _days, _todo in LEVELS
    for channel in ("email", "letter")
]

RUN_AT = datetime.time(7, 0)
