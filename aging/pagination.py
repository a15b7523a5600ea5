"""Pages of the stored statistics whose row count is counted once per version of the statistics.

Counting 200,000 rows for each page of the statistics API or the balance due report took 22 ms of every
request. The count of a query over the statistics changes only when the statistics do (a customer's
details that the filters read, its controller, branch or group, change through the ledger-change seam,
which marks its statistics and so makes a new version: aging/versions.py), so it is kept in the cache
under the tenant, that version and the query itself (its SQL and parameters, which hold every filter
and a controller's scope).
"""

import hashlib

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from creditcontrol.api import Pagination
from creditcontrol.pages import CappedPaginator
from creditcontrol.tenancy import current_tenant

from .versions import cached


def _counted(queryset) -> int:
    """`queryset.count()`, from the cache while the tenant's statistics are unchanged."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (`.none()`): no query to run
        return 0
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    return cached(current_tenant(), f"count:{digest}", queryset.count)


class StatisticsPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return _counted(self.object_list.order_by())  # order does not change a count


class CappedStatisticsPaginator(CappedPaginator):
    @cached_property
    def count(self) -> int:
        counted = _counted(self.object_list.order_by()[: self.cap + 1])
        self.capped = counted > self.cap
        return min(counted, self.cap)


class StatisticsPagination(Pagination):
    django_paginator_class = StatisticsPaginator
