"""The credit dashboard: headline figures, aging, top overdue, my to-dos, promises, KPI trends."""

import datetime

from django.urls import reverse
from django.views.generic import TemplateView

from aging import selectors as aging_selectors
from aging.services import as_of_date
from creditcontrol.charts import bar_chart_svg, line_chart_svg
from creditcontrol.pages import TenantPageMixin
from customers.models import Branch
from interactions.models import Promise, PromiseStatus
from interactions.selectors import todo_list

from ..context import branch_context


class DashboardView(TenantPageMixin, TemplateView):
    """The credit dashboard: headline figures, aging, top overdue, my to-dos, promises, KPI trends.

    In a branch context every figure comes from that branch's entries, and with a work date the aging is as
    of it (both read live); otherwise from the stored statistics.
    """

    template_name = "workspace/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = self.tenant.today()
        branch = branch_context(self.request)
        live = aging_selectors.live_as_of(
            as_of=as_of_date(user=self.request.user), branch_id=branch.pk if branch else None
        )
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
            figures = aging_selectors.open_figures(as_of=live, branch_id=branch.pk if branch else None)
            totals, bands, top_overdue = figures, figures["bands"], figures["top_overdue"]
        credit_list = reverse("credit-list", kwargs={"tenant_slug": self.tenant.slug})
        history = list(aging_selectors.kpi_history(since=today - datetime.timedelta(days=365)))
        context.update(
            branch=branch,
            branches=Branch.objects.all(),
            totals=totals,
            top_overdue=top_overdue,
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
                        since=today.replace(day=1) - datetime.timedelta(days=365)
                    )
                ],
                label="CEI per month",
                colour="#1a7f37",
            ),
            latest_kpis=history[-1] if history else None,
            my_todos=todo_list(user=self.request.user, owner="mine", state="open").filter(
                due_date__lte=today
            )[:10],
            promises_due=Promise.objects.filter(
                status=PromiseStatus.PENDING,
                promised_payment_date__range=(today, today + datetime.timedelta(days=7)),
            )
            .select_related("customer")
            .order_by("promised_payment_date")[:10],
            promises_broken=Promise.objects.filter(
                status=PromiseStatus.BROKEN, settled_on__gte=today - datetime.timedelta(days=30)
            )
            .select_related("customer")
            .order_by("-settled_on")[:10],
            today=today,
        )
        return context
