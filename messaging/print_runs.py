"""Letters printed: a print run takes the queued letters, makes them into one print-ready PDF and marks them
sent.

`print_run_start` takes every queued letter no run holds that the user may see (rows locked with SKIP LOCKED
and marked with the run in the same transaction: two runs started at once never take the same letter) and
queues the worker. `print_run_make` (the worker's) renders them in one transaction: the PDF kept on the run,
each letter *sent* with the run and on the customer's timeline, or, when anything fails (a letter's
document missing), nothing at all: the run is *failed* with the reason and its letters are queued for the
next run again.
"""

import datetime
import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from creditcontrol.errors import DomainError
from creditcontrol.tenancy import current_tenant

from . import documents
from .models import Channel, Message, MessageStatus, PrintRun, PrintRunStatus
from .services import _log_on_timeline

logger = logging.getLogger(__name__)

NOTHING_TO_PRINT = "No letters are waiting to be printed."
# The order of a run's letters: by customer, oldest letter first.
LETTER_ORDER = ("customer__code", "created_at", "id")


def letters_to_print():
    """Queued letters no print run has taken (within the request's controller scope)."""
    return Message.objects.filter(channel=Channel.LETTER, status=MessageStatus.QUEUED, print_run__isnull=True)


@transaction.atomic
def print_run_start(*, user=None) -> PrintRun:
    """A print run of the queued letters the user may see; its PDF is made by a worker. Raises DomainError
    when no letter waits."""
    letters = list(
        letters_to_print()
        .select_for_update(skip_locked=True)
        .order_by(*LETTER_ORDER)
        .values_list("pk", flat=True)
    )
    if not letters:
        raise DomainError(NOTHING_TO_PRINT, details={"letters": [NOTHING_TO_PRINT]}, code="nothing_to_print")
    run = PrintRun.objects.create(count=len(letters), created_by=user)
    Message.objects.filter(pk__in=letters).update(print_run=run)
    from .tasks import make_print_run

    tenant_id, run_id = run.tenant_id, run.pk
    transaction.on_commit(lambda: make_print_run.delay(tenant_id, run_id))
    return run


def _progress_key(run_id: int) -> str:
    return f"print-run-progress:{current_tenant().pk}:{run_id}"


def print_run_progress(run: PrintRun) -> int:
    """How many of a running run's letters are rendered (kept outside the run's transaction)."""
    if run.status != PrintRunStatus.RUNNING:
        return run.count
    return min(cache.get(_progress_key(run.pk), 0), run.count)


def print_run_make(run_id: int) -> PrintRun:
    """Render a running run's letters into one PDF and mark them sent, all in one transaction; on any failure
    the run is failed with the reason and its letters wait, queued, for the next run. A run no longer
    running is left as it is (a task delivered twice makes nothing twice)."""
    try:
        with transaction.atomic():
            run = PrintRun.objects.select_for_update().get(pk=run_id)
            if run.status != PrintRunStatus.RUNNING:
                return run
            letters = list(
                Message.objects.select_for_update(of=("self",))
                .select_related("customer", "contact", "created_by", "released_by")
                .prefetch_related("documents")
                .filter(print_run=run, status=MessageStatus.QUEUED)
                .order_by(*LETTER_ORDER)
            )
            key = _progress_key(run.pk)
            pdf, pages = documents.letters_pdf(
                letters,
                date=current_tenant().today(),
                progress=lambda done: cache.set(key, done, timeout=3600),
            )
            now = timezone.now()
            for letter in letters:
                letter.status, letter.status_reason, letter.status_at, letter.sent_at = (
                    MessageStatus.SENT,
                    "",
                    now,
                    now,
                )
                letter.attempts += 1
                letter.save(update_fields=["status", "status_reason", "status_at", "sent_at", "attempts"])
                _log_on_timeline(letter)
            run.status, run.pdf, run.pages, run.count = PrintRunStatus.FINISHED, pdf, pages, len(letters)
            run.finished_at = now
            run.save(update_fields=["status", "pdf", "pages", "count", "finished_at"])
            return run
    except DomainError as error:
        reason = error.message
    except Exception as error:  # WeasyPrint or pypdf gave up: the run says so, nothing is half-printed
        logger.exception("Print run %s failed", run_id)
        reason = f"The PDF could not be made: {error}"
    with transaction.atomic():
        Message.objects.filter(print_run_id=run_id, status=MessageStatus.QUEUED).update(print_run=None)
        run = PrintRun.objects.select_for_update().get(pk=run_id)
        run.status, run.status_reason, run.finished_at = PrintRunStatus.FAILED, reason[:500], timezone.now()
        run.save(update_fields=["status", "status_reason", "finished_at"])
    return run


# A run not taken up by a worker this long after it started is taken for lost (its worker died, or the
# task was lost with the broker).
STUCK_AFTER = datetime.timedelta(minutes=30)
STUCK_REASON = "The worker stopped before the PDF was made: its letters are queued for the next run."


def print_runs_fail_stuck(*, now: datetime.datetime | None = None) -> int:
    """Runs a dead worker left *running*: failed, their letters free for the next run. A run a live worker
    is rendering holds its row locked for the whole of it, and is skipped."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    failed = 0
    with transaction.atomic():
        stuck = list(
            PrintRun.objects.select_for_update(skip_locked=True).filter(
                status=PrintRunStatus.RUNNING, created_at__lt=cutoff
            )
        )
        for run in stuck:
            Message.objects.filter(print_run=run, status=MessageStatus.QUEUED).update(print_run=None)
            run.status, run.status_reason, run.finished_at = (
                PrintRunStatus.FAILED,
                STUCK_REASON,
                timezone.now(),
            )
            run.save(update_fields=["status", "status_reason", "finished_at"])
            failed += 1
    return failed
