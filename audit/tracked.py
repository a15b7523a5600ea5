"""What the audit log records: one line per tracked model (docs/audit.md). A new model that matters (credit
hold decisions) is tracked by adding its line here; `migrate` puts its triggers on."""

from aging.models import AgingBand, AgingSetup
from chasing.models import ChasingLevel, ChasingPolicy, ChasingSetup, CustomerChasing, GroupChasing, Reminder
from creditcontrol.models import Membership, Tenant
from customers.models import Branch, Contact, Customer, CustomerGroup, PaymentTerms
from interactions.models import Promise, StatusCode
from ledger.models import LedgerEntry
from messaging.models import EventSigningSecret, Letterhead, Message, MessageTemplate

from .registry import track

# customers and what belongs to them
track(Customer, customer="pk", ignore=["credit_limit_last_checked"])
track(Contact, customer="customer")
track(Promise, customer="customer")
# the status code assigned to an entry: only that column, so that loading entries costs nothing
track(LedgerEntry, customer="customer", only=["status_code"])
# messages to customers: made, released, sent, delivered or bounced (their text is the message's own)
track(Message, customer="customer", only=["status"])
# chasing: who is paused, excluded or on another policy; a reminder's text edited on review (who released
# or dropped it, and when, is the reminder's own)
track(CustomerChasing, customer="customer")
track(Reminder, customer="customer", only=["subject", "body"])
# setup
track(Letterhead, ignore=["logo", "updated_at"])
track(MessageTemplate, ignore=["updated_at"])
# the delivery events' signing secret: when and by whom it was made (never the secret itself)
track(EventSigningSecret, ignore=["secret"])
track(AgingSetup, ignore=["last_nightly_run_on"])
track(AgingBand)
track(ChasingSetup, ignore=["last_scheduled_on"])
track(ChasingPolicy, ignore=["updated_at"])
track(ChasingLevel)
track(GroupChasing)
track(StatusCode)
track(CustomerGroup)
track(Branch)
track(PaymentTerms)
track(Tenant, tenant="pk")
track(Membership, ignore=["work_date", "preferences"])
