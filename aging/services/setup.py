"""Writes to the tenant's aging setup: bands, aging basis, work date option, DSO period, nightly time."""

import datetime

from django.db import transaction

from creditcontrol.bounds import BAND_DAYS_MAX
from creditcontrol.errors import DomainError
from creditcontrol.models import Membership
from creditcontrol.tenancy import current_tenant

from ..models import MAX_BANDS, AgingBand, AgingBasis, AgingSetup
from .statistics import statistics_mark_all_stale

DEFAULT_BANDS = [
    ("Not due", None, 0),
    ("1-30 days", 1, 30),
    ("31-60 days", 31, 60),
    ("61-90 days", 61, 90),
    ("Over 90 days", 91, None),
]


def aging_setup_seed_defaults() -> None:
    """A new tenant's aging setup and default bands (Not due, 1-30, 31-60, 61-90, over 90 days)."""
    tenant = current_tenant()
    AgingSetup.objects.get_or_create(tenant=tenant)
    if not AgingBand.objects.exists():
        AgingBand.objects.bulk_create(
            AgingBand(tenant=tenant, position=i, label=label, from_days=low, to_days=high)
            for i, (label, low, high) in enumerate(DEFAULT_BANDS, start=1)
        )


def aging_setup_get() -> AgingSetup:
    setup, _ = AgingSetup.objects.get_or_create(tenant=current_tenant())
    return setup


def as_of_date(*, user=None) -> datetime.date:
    """The as-of date D: the user's work date where the setup says so and the user has one, else today."""
    tenant = current_tenant()
    if user is not None and user.is_authenticated and aging_setup_get().use_work_date:
        work_date = (
            Membership.objects.filter(tenant=tenant, user=user).values_list("work_date", flat=True).first()
        )
        if work_date is not None:
            return work_date
    return tenant.today()


WORK_DATE_REACH_DAYS = 3660  # a work date is at most about ten years from today, either way


def work_date_set(*, user, work_date: datetime.date | None) -> datetime.date | None:
    """Set (or with None clear) the user's work date in the current tenant: the date their credit
    figures are aged as of when the setup says so, and the default date of what they record."""
    if work_date is not None:
        today = current_tenant().today()
        if abs((work_date - today).days) > WORK_DATE_REACH_DAYS:
            raise DomainError(
                f"A work date must be within {WORK_DATE_REACH_DAYS} days of today ({today.isoformat()}).",
                details={
                    "work_date": [f"Within {WORK_DATE_REACH_DAYS} days of today ({today.isoformat()})."]
                },
            )
    updated = Membership.objects.filter(tenant=current_tenant(), user=user).update(work_date=work_date)
    if not updated:
        raise DomainError("You are not a member of this company.")
    return work_date


@transaction.atomic
def aging_setup_update(
    *,
    basis: str,
    use_work_date: bool,
    dso_period_days: int,
    nightly_recalculation_time: datetime.time,
) -> AgingSetup:
    errors = {}
    if basis not in AgingBasis.values:
        errors["basis"] = [f"Choose one of: {', '.join(AgingBasis.values)}."]
    if not 1 <= int(dso_period_days) <= 3660:
        errors["dso_period_days"] = ["The DSO period must be between 1 and 3660 days."]
    if errors:
        raise DomainError("The aging setup is not valid.", details=errors)
    setup = AgingSetup.objects.select_for_update().get(pk=aging_setup_get().pk)
    basis_changed = setup.basis != basis
    setup.basis = basis
    setup.use_work_date = use_work_date
    setup.dso_period_days = dso_period_days
    setup.nightly_recalculation_time = nightly_recalculation_time
    setup.save()
    if basis_changed:
        statistics_mark_all_stale()  # the stored bands were aged on the old basis
    return setup


def aging_bands_problems(bands: list[dict]) -> list[str]:
    """What is wrong with a list of bands (label, from_days, to_days), naming the band; empty if fine.

    The bands must cover every number of days exactly once, in order: the first is open below, the
    last open above, and each starts the day after the previous one ends. So every open entry falls in
    exactly one band and the bands add up to the balance.
    """
    problems = []
    if not 1 <= len(bands) <= MAX_BANDS:
        return [f"Give between 1 and {MAX_BANDS} bands."]
    for number, band in enumerate(bands, start=1):
        low, high = band.get("from_days"), band.get("to_days")
        if not (band.get("label") or "").strip():
            problems.append(f"Band {number}: give it a label.")
        if number == 1 and low is not None:
            problems.append(f"Band {number}: the first band must be open below (leave 'from' empty).")
        if number > 1 and low is None:
            problems.append(f"Band {number}: only the first band may be open below; give 'from'.")
        if number == len(bands) and high is not None:
            problems.append(f"Band {number}: the last band must be open above (leave 'to' empty).")
        if number < len(bands) and high is None:
            problems.append(f"Band {number}: only the last band may be open above; give 'to'.")
        for side, days in (("from", low), ("to", high)):
            if days is not None and abs(days) > BAND_DAYS_MAX:
                problems.append(
                    f"Band {number}: '{side}' must be between -{BAND_DAYS_MAX} and {BAND_DAYS_MAX} days."
                )
        if low is not None and high is not None and high < low:
            problems.append(f"Band {number}: 'to' ({high}) is before 'from' ({low}).")
        if number > 1:
            previous_high = bands[number - 2].get("to_days")
            if low is not None and previous_high is not None and low != previous_high + 1:
                kind = "overlaps" if low <= previous_high else "leaves a gap after"
                problems.append(
                    f"Band {number}: it {kind} band {number - 1} (which ends at {previous_high}); "
                    f"it must start at {previous_high + 1}."
                )
    return problems


@transaction.atomic
def aging_bands_replace(*, bands: list[dict]) -> list[AgingBand]:
    """Replace the tenant's bands (in order); the stored figures become stale until recalculated."""
    problems = aging_bands_problems(bands)
    if problems:
        raise DomainError(problems[0], details={"bands": problems})
    tenant = current_tenant()
    AgingBand.objects.all().delete()
    created = AgingBand.objects.bulk_create(
        AgingBand(
            tenant=tenant,
            position=position,
            label=band["label"].strip(),
            from_days=band.get("from_days"),
            to_days=band.get("to_days"),
        )
        for position, band in enumerate(bands, start=1)
    )
    statistics_mark_all_stale()
    return created
