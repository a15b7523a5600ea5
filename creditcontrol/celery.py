"""The Celery application: Redis broker, JSON only, tasks found in every app, schedules in one place."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcontrol.settings.local")

app = Celery("creditcontrol")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every quarter of an hour the dispatcher starts the nightly Recalculate All of each tenant whose
# configured local time has come (tenants live in different time zones).
app.conf.beat_schedule = {
    "dispatch-nightly-recalculation": {
        "task": "aging.tasks.dispatch_nightly_recalculations",
        "schedule": crontab(minute="*/15"),
    },
    # A recalculation run whose worker died (no heartbeat for 5 minutes) is marked failed, within the
    # next 5 minutes, even if nobody opens the runs page or starts another run.
    "settle-recalculation-runs": {
        "task": "aging.tasks.settle_recalculation_runs",
        "schedule": crontab(minute="*/5"),
    },
    # Promises to pay fall due at each tenant's midnight, so this runs hourly (it is idempotent and only
    # reads pending promises): a promise is found broken within the hour its grace period ends.
    "evaluate-promises": {
        "task": "interactions.tasks.dispatch_promise_evaluations",
        "schedule": crontab(minute=5),
    },
    # A message a worker took to send and never finished is failed ("outcome unknown"), never resent.
    "fail-stuck-messages": {
        "task": "messaging.tasks.fail_stuck_messages",
        "schedule": crontab(minute="*/15"),
    },
    # Each tenant's chasing run starts on its days at its local time (chasing setup).
    "start-scheduled-chasing-runs": {
        "task": "chasing.tasks.start_scheduled_runs",
        "schedule": crontab(minute="*/15"),
    },
}
