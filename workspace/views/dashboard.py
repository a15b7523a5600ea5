"""The credit dashboard: headline figures, aging, top overdue, my to-dos, promises, KPI trends."""

import datetime

from django.urls import reverse
from django.views.generic import TemplateView

from aging import selectors as aging_selectors
from aging.services import as_of_date
from creditcontrol import scope
from creditcontrol.charts import bar_chart_svg, line_chart_svg
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin
from customers.selectors import branches_offered
from interactions.models import Promise, PromiseStatus
from interactions.selectors import todo_list
from ledger.branches import customers_in_branch_q

from ..context import branch_context


class DashboardView(TenantPageMixin, TemplateView):
    """The credit dashboard: headline figures, aging, top overdue, my to-dos, promises, KPI trends.

    In a branch context every figure comes from that branch's entries (the DSO, best possible DSO and CEI
    too, computed now for the branch; only the trend charts stay the whole company's, and say so), and
    with a work date the aging is as of it (both read live); otherwise from the stored statistics.

    Shaped by role: a credit controller sees their own customers (and the unassigned ones, which are
    everyone's) by default, with a switch to the whole tenant unless the tenant keeps controllers to their
    own customers; a manager sees every controller's overdue, open to-dos and kept promises side by side.
    """

    template_name = "workspace/dashboard.html"

    def get(self, request, *args, **kwargs):
        # A controller's "my customers" view is the controller scope entered for this page: every figure,
        # list and cached total below narrows by construction. Rendered inside it, so lazy lists do too.
        token = scope.enter(self._own_scope())
        try:
            response = super().get(request, *args, **kwargs)
            response.render()
        finally:
            scope.leave(token)
        return response

    def _switchable(self) -> bool:
        """A controller whose tenant lets them see every customer may switch between theirs and all."""
        return (
            self.request.membership.role == Role.CONTROLLER and not self.tenant.controllers_own_customers_only
        )

    def _own_scope(self) -> int | None:
        if self._switchable() and self.request.GET.get("customers") != "all":
            return self.request.user.pk
        return scope.scoped_controller_id()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = self.tenant.today()
        branch = branch_context(self.request)
        branch_id = branch.pk if branch else None
        as_of = as_of_date(user=self.request.user)
        live = aging_selectors.live_as_of(as_of=as_of, branch_id=branch_id)
        if live is None:
            totals = aging_selectors.tenant_totals(with_bands=True)
            bands = totals["bands"]
            top_overdue = [
                {
                    "customer": s.customer,
                    "balance_lcy": s.balance_lcy,
                    "overdue_balance_lcy": s.overdue_balance_lcy,
                }
                for s in aging_selectors.top_overdue_customers(limit=10)
            ]
        else:  # a branch context or a work date: read now from the open entries, as of that date
            figures = aging_selectors.open_figures(as_of=live, branch_id=branch_id)
            totals, bands, top_overdue = figures, figures["bands"], figures["top_overdue"]
        credit_list = reverse("credit-list", kwargs={"tenant_slug": self.tenant.slug})
        history = list(
            aging_selectors.kpi_history(since=today - datetime.timedelta(days=365), branch_id=branch_id)
        )
        if branch is None:
            latest_kpis = history[-1] if history else None
        elif history and history[-1].date == as_of:  # the branch's snapshot, taken last night
            latest_kpis = history[-1]
        else:  # no snapshot of the branch as of that date: its KPIs read now
            latest_kpis = aging_selectors.tenant_kpis(as_of=as_of, branch_id=branch_id)
        promises = Promise.objects.select_related("customer")
        my_todos = todo_list(user=self.request.user, owner="mine", state="open").filter(due_date__lte=today)
        if branch is not None:
            promises = promises.filter(customers_in_branch_q(branch_id, prefix="customer__"))
            my_todos = my_todos.filter(customers_in_branch_q(branch_id, prefix="customer__"))
        is_manager = self.request.membership.role in (Role.MANAGER, Role.ADMIN)
        context.update(
            branch=branch,
            branches=branches_offered(branch),
            totals=totals,
            top_overdue=top_overdue,
            switchable=self._switchable(),
            showing_all=self._switchable() and self.request.GET.get("customers") == "all",
            controllers=aging_selectors.controller_overview(as_of=live, branch_id=branch_id)
            if is_manager
            else None,
            aging_chart=bar_chart_svg(
                [
                    {
                        "label": b["label"],
                        "value": b["amount_lcy"],
                        "colour": "#1a7f37" if i == 0 else "#b42318",
                        "href": f"{credit_list}?controller=&sort=-band_{i + 1}",
                    }
                    for i, b in enumerate(bands)
                ],
                label="Aging of the balance",
            ),
            dso_chart=line_chart_svg([(f"{k.date:%d %b}", k.dso) for k in history], label="DSO over time"),
            cei_chart=line_chart_svg(
                [
                    (f"{m['month']:%b %y}", m["cei"])
                    for m in aging_selectors.cei_by_month(
                        since=today.replace(day=1) - datetime.timedelta(days=365), branch_id=branch_id
                    )
                ],
                label="CEI per month",
                colour="#1a7f37",
            ),
            latest_kpis=latest_kpis,
            my_todos=list(my_todos[:10]),
            promises_due=list(
                promises.filter(
                    status=PromiseStatus.PENDING,
                    promised_payment_date__range=(today, today + datetime.timedelta(days=7)),
                ).order_by("promised_payment_date")[:10]
            ),
            promises_broken=list(
                promises.filter(
                    status=PromiseStatus.BROKEN, settled_on__gte=today - datetime.timedelta(days=30)
                ).order_by("-settled_on")[:10]
            ),
            today=today,
        )
        return context
