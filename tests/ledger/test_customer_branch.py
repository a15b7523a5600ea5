"""The branches each customer belongs to or has entries in (`CustomerBranch`), kept by the database:
inserted customers and entries add their (customer, branch); a customer or an entry moved to another
branch, or an entry deleted, takes its pair away once the customer neither belongs to that branch nor has
an entry left there; the branch context reads its customers from these rows."""

from customers.models import Customer
from ledger.branches import customers_in_branch_q
from ledger.models import CustomerBranch, LedgerEntry
from tests import factories


def _pairs() -> list[tuple[str, str]]:
    return sorted(CustomerBranch.objects.values_list("customer__code", "branch__code"))


def test_the_pairs_follow_the_customers_and_their_entries(in_tenant):
    london, leeds = factories.branch("LON", "London"), factories.branch("LDS", "Leeds")
    crown = factories.customer(code="C1", name="Crown", branch=london)
    mill = factories.customer(code="C2", name="Mill")
    assert _pairs() == [("C1", "LON")]  # Crown belongs to London
    first = factories.invoice(crown, "A1", "2026-10-01", "100.00", branch=london)
    factories.invoice(crown, "A2", "2026-10-02", "100.00", branch=leeds)
    moved = factories.invoice(mill, "B1", "2026-10-03", "50.00", branch=leeds)
    factories.invoice(mill, "B2", "2026-10-04", "50.00")  # no branch: no pair
    assert _pairs() == [("C1", "LDS"), ("C1", "LON"), ("C2", "LDS")]

    LedgerEntry.objects.filter(pk=moved.pk).update(branch=london)  # Mill's entry leaves Leeds for London
    assert _pairs() == [("C1", "LDS"), ("C1", "LON"), ("C2", "LON")]

    LedgerEntry.objects.filter(pk=first.pk).delete()  # Crown still belongs to London: its pair stays
    assert _pairs() == [("C1", "LDS"), ("C1", "LON"), ("C2", "LON")]
    Customer.objects.filter(pk=crown.pk).update(branch=leeds)  # no longer London's, no entry there
    assert _pairs() == [("C1", "LDS"), ("C2", "LON")]
    LedgerEntry.objects.filter(customer=mill).delete()
    assert _pairs() == [("C1", "LDS")]


def test_a_branch_context_has_its_own_customers_and_those_trading_there(in_tenant):
    london, leeds = factories.branch("LON", "London"), factories.branch("LDS", "Leeds")
    factories.customer(code="C1", name="Londoner", branch=london)
    multi = factories.customer(code="C2", name="Multi", branch=london)
    factories.customer(code="C3", name="Leeds only", branch=leeds)
    factories.invoice(multi, "M1", "2026-10-01", "10.00", branch=leeds)
    in_leeds = Customer.objects.filter(customers_in_branch_q(leeds.pk)).order_by("code")
    assert list(in_leeds.values_list("code", flat=True)) == ["C2", "C3"]
