"""Writes of the aging app: setup, staleness marks, recalculations and KPI snapshots."""

from .kpis import kpi_snapshot_take
from .recalculation import (
    nightly_recalculations_due,
    recalculate_all,
    recalculate_entries,
    recalculation_start,
)
from .setup import (
    aging_bands_problems,
    aging_bands_replace,
    aging_setup_get,
    aging_setup_seed_defaults,
    aging_setup_update,
    as_of_date,
    work_date_set,
)
from .statistics import (
    recalculate_entries_soon,
    statistics_mark_all_stale,
    statistics_on_change,
    statistics_rows_ensure,
    statistics_vacuum,
)

__all__ = [
    "aging_bands_problems",
    "aging_bands_replace",
    "aging_setup_get",
    "aging_setup_seed_defaults",
    "aging_setup_update",
    "as_of_date",
    "work_date_set",
    "kpi_snapshot_take",
    "nightly_recalculations_due",
    "recalculate_all",
    "recalculate_entries",
    "recalculate_entries_soon",
    "recalculation_start",
    "statistics_mark_all_stale",
    "statistics_on_change",
    "statistics_vacuum",
    "statistics_rows_ensure",
]
