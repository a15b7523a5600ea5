"""Letters printed: a released letter waits queued (no task sends it); a print run takes the tenant's queued
letters into one PDF (a cover page per letter on the letterhead, then its documents, each letter on odd
pages), marks them sent and puts them on the timeline, all or nothing; two runs at once never share a
letter; another tenant's run is a 404 everywhere."""

import io
import threading

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from pypdf import PdfReader

from creditcontrol.errors import DomainError
from creditcontrol.formats import day_text
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Contact
from interactions.models import Interaction, InteractionType
from messaging import print_runs
from messaging.models import Document, Message, MessageStatus, PrintRun, PrintRunStatus
from messaging.print_runs import NOTHING_TO_PRINT, print_run_make, print_run_start
from messaging.services import letterhead_update, message_create, message_deliver, message_draft
from tests import factories
from tests.factories import D

AS_OF = D("2026-03-31")


def _letter(customer, *, body, statement=False, send_now=True):
    draft = message_draft(
        customer=customer, channel="letter", purpose="statement" if statement else "free", as_of=AS_OF,
        subject=f"Your account {customer.code}", body=body,
    )  # fmt: skip
    return message_create(draft=draft, send_now=send_now, as_of=AS_OF, attach_statement=statement)


@pytest.fixture
def letters(ledger, tenant_b):
    """Tenant A: C000 (Anchor Supplies, 7 Quay Street, Hull) a letter alone (one page: printed first, it
    needs a blank page after it), C001 (Crown Fabrics, 1 Mill Lane, Leeds; contact Pat) a letter with its
    one-page statement attached; tenant B: one queued letter of its own."""
    with tenant_context(ledger.tenant):
        letterhead_update(company_name="Alpha Trading Ltd", address="2 High Street\nYork YO1 1AA")
        anchor = factories.customer(
            code="C000", name="Anchor Supplies", address="7 Quay Street\nHull HU1 1AB"
        )
        crown = _letter(
            ledger.customer, body="Dear Pat, please find your statement enclosed.", statement=True
        )
        anchor_letter = _letter(anchor, body="Dear Sirs, your account is overdue.")
        statement_pages = len(PdfReader(io.BytesIO(bytes(crown.documents.get().content))).pages)
    tenant_initialise(tenant_b)
    with tenant_context(tenant_b):
        beta = factories.customer(code="B001", name="Beta Kunde", address="Hafenstr. 1\nHamburg")
        beta_letter = _letter(beta, body="Sehr geehrte Damen und Herren.")
    return {
        "tenant": ledger.tenant,
        "crown": crown,
        "anchor": anchor_letter,
        "beta": beta_letter,
        "statement_pages": statement_pages,
        "tenant_b": tenant_b,
    }


def test_a_released_letter_waits_queued_for_the_print_run(letters, django_capture_on_commit_callbacks):
    with tenant_context(letters["tenant"]):
        crown = letters["crown"]
        assert message_deliver(crown.pk) == "skipped"  # a deliver task met by a letter sends nothing
        waiting = Message.objects.get(pk=crown.pk)
        assert (waiting.status, waiting.sent_at, waiting.attempts) == (MessageStatus.QUEUED, None, 0)
        queued = _letter(letters["crown"].customer, body="In the outbox first.", send_now=False)
        from messaging.services import message_release

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            message_release(message=queued)
        assert callbacks == []  # no deliver task for a letter
        assert Message.objects.get(pk=queued.pk).status == MessageStatus.QUEUED
        assert sorted(print_runs.letters_to_print().values_list("pk", flat=True)) == sorted(
            [crown.pk, letters["anchor"].pk, queued.pk]
        )


def test_one_run_prints_the_tenants_letters_in_one_pdf_each_on_odd_pages(
    letters, make_member, django_capture_on_commit_callbacks
):
    tenant = letters["tenant"]
    controller = make_member(tenant, Role.CONTROLLER)
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        run = print_run_start(user=controller)
    with tenant_context(tenant):
        run = PrintRun.objects.get(pk=run.pk)
        crown, anchor = (Message.objects.get(pk=letters[k].pk) for k in ("crown", "anchor"))
        today = day_text(tenant.today())
        interactions = list(
            Interaction.objects.filter(interaction_type=InteractionType.LETTER)
            .order_by("customer__code")
            .values_list("customer__code", "description")
        )
    # page 1: C000's cover, 2: blank (so that C001 starts on an odd page), 3: C001's cover, 4: its statement
    assert letters["statement_pages"] == 1
    assert (run.status, run.count, run.pages) == (PrintRunStatus.FINISHED, 2, 4)
    pdf = PdfReader(io.BytesIO(bytes(run.pdf)))
    texts = [page.extract_text() for page in pdf.pages]
    assert len(texts) == 4 and texts[1].strip() == ""
    anchor_cover, crown_cover = texts[0], texts[2]
    for cover, name, street, body in (
        (anchor_cover, "Anchor Supplies", "7 Quay Street", "Dear Sirs, your account is overdue."),
        (crown_cover, "Crown Fabrics Ltd", "1 Mill Lane", "Dear Pat, please find your statement enclosed."),
    ):
        lines = cover.splitlines()
        assert {name, street, body, today, "Alpha Trading Ltd"} <= set(lines)
    assert "For the attention of Pat Payable" in crown_cover
    assert "Statement of account" in texts[3] and "Crown Fabrics Ltd" in texts[3]  # C001's statement
    whole = "".join(texts)
    assert "Beta Kunde" not in whole and "Sehr geehrte" not in whole
    assert (crown.status, crown.print_run_id, anchor.status, anchor.print_run_id) == (
        MessageStatus.SENT, run.pk, MessageStatus.SENT, run.pk,
    )  # fmt: skip
    assert crown.sent_at == anchor.sent_at == run.finished_at
    assert interactions == [
        ("C000", "Free message sent by letter to Anchor Supplies"),
        ("C001", "Statement of account sent by letter to Pat Payable, Crown Fabrics Ltd"),
    ]
    with tenant_context(letters["tenant_b"]):
        beta = Message.objects.get(pk=letters["beta"].pk)
        assert (beta.status, beta.print_run_id) == (MessageStatus.QUEUED, None)
    with tenant_context(tenant), pytest.raises(DomainError) as nothing:
        print_run_start(user=controller)
    assert nothing.value.message == NOTHING_TO_PRINT == "No letters are waiting to be printed."


def test_a_letter_whose_document_is_missing_fails_the_run_and_leaves_every_letter_queued(
    letters, django_capture_on_commit_callbacks
):
    tenant = letters["tenant"]
    with tenant_context(tenant):
        document = letters["crown"].documents.get()
        Document.objects.filter(pk=document.pk).update(content=b"", size=0)
        with django_capture_on_commit_callbacks(execute=True):
            run = print_run_start()
        run = PrintRun.objects.get(pk=run.pk)
        assert (run.status, run.status_reason, run.pdf, run.pages) == (
            PrintRunStatus.FAILED,
            f"The letter to Pat Payable, Crown Fabrics Ltd (customer C001): its document {document.filename} "
            "is missing.",
            None,
            0,
        )
        states = set(Message.objects.filter(channel="letter").values_list("status", "print_run", "sent_at"))
        assert states == {(MessageStatus.QUEUED, None, None)}
        assert not Interaction.objects.filter(interaction_type=InteractionType.LETTER).exists()
        assert print_runs.letters_to_print().count() == 2  # waiting for the next run
        assert print_run_make(run.pk).status == PrintRunStatus.FAILED  # run again: left as it is


def test_a_controller_prints_only_their_own_customers_letters(letters, make_member, client):
    tenant = letters["tenant"]
    tenant.controllers_own_customers_only = True
    tenant.save()
    mine = make_member(tenant, Role.CONTROLLER, username="mine")
    other = make_member(tenant, Role.CONTROLLER, username="other")
    with tenant_context(tenant):
        letters["crown"].customer.controller = mine
        letters["crown"].customer.save()
        anchor = letters["anchor"].customer
        anchor.controller = other
        anchor.save()
    client.force_login(mine)
    assert (
        'Letters to print: <strong id="letters-to-print-count">1</strong>'
        in client.get("/t/alpha/messages/").content.decode()
    )
    response = client.post("/t/alpha/messages/print-runs/")
    assert response.status_code == 302
    with tenant_context(tenant):
        run = PrintRun.objects.get()
        assert list(run.letters.values_list("customer__code", flat=True)) == ["C001"]
    client.force_login(other)
    assert client.get(f"/t/alpha/messages/print-runs/{run.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_never_take_the_same_letter(letters):
    tenant = letters["tenant"]
    with tenant_context(tenant):
        for n in range(6):
            customer = factories.customer(code=f"C1{n:02}", name=f"Letter {n}", address=f"{n} Road\nLeeds")
            Contact.objects.create(customer=customer, name=f"Reader {n}")
            _letter(customer, body=f"Letter number {n}.")
        expected = set(print_runs.letters_to_print().values_list("pk", flat=True))
    assert len(expected) == 8

    # One run holds its letters (not yet committed): the other, started meanwhile, finds none to take.
    holding, released = threading.Event(), threading.Event()
    outcomes = {}

    def hold():
        try:
            with tenant_context(tenant), transaction.atomic():
                outcomes["first"] = print_run_start().pk
                holding.set()
                released.wait(timeout=20)
        finally:
            holding.set()
            connection.close()

    first = threading.Thread(target=hold)
    first.start()
    assert holding.wait(timeout=20)
    try:
        with tenant_context(tenant), pytest.raises(DomainError) as nothing:
            print_run_start()
        assert nothing.value.message == NOTHING_TO_PRINT
    finally:
        released.set()
        first.join(timeout=60)

    # Two runs started at the same moment on two connections: every letter in exactly one.
    with tenant_context(tenant):
        for n in range(4):
            customer = factories.customer(code=f"C2{n:02}", name=f"Again {n}", address=f"{n} Lane\nYork")
            _letter(customer, body=f"Again {n}.")
    barrier = threading.Barrier(2)
    taken = []

    def start():
        try:
            with tenant_context(tenant):
                barrier.wait(timeout=10)
                try:
                    run = print_run_start()
                except DomainError:
                    return
                taken.append(run.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with tenant_context(tenant):
        runs = PrintRun.objects.exclude(pk=outcomes["first"])
        assert sorted(runs.values_list("pk", flat=True)) == sorted(taken)
        per_run = [set(run.letters.values_list("pk", flat=True)) for run in runs]
        assert sum(len(s) for s in per_run) == len(set().union(*per_run)) == 4
        assert (
            set(PrintRun.objects.get(pk=outcomes["first"]).letters.values_list("pk", flat=True)) == expected
        )
        assert set(Message.objects.filter(channel="letter").values_list("status", flat=True)) == {
            MessageStatus.SENT
        }
        assert {run.status for run in PrintRun.objects.all()} == {PrintRunStatus.FINISHED}


def test_the_pages_and_the_api(letters, make_member, client, api_for, django_capture_on_commit_callbacks):
    tenant = letters["tenant"]
    client.force_login(make_member(tenant, Role.VIEWER, username="viewer"))
    outbox = client.get("/t/alpha/messages/").content.decode()
    assert 'Letters to print: <strong id="letters-to-print-count">2</strong>' in outbox
    assert "Make print run" not in outbox  # a viewer reads, makes nothing
    controller = make_member(tenant, Role.CONTROLLER)
    client.force_login(controller)
    assert "Make print run" in client.get("/t/alpha/messages/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/t/alpha/messages/print-runs/")
    with tenant_context(tenant):
        run = PrintRun.objects.get()
    assert response["Location"] == f"/t/alpha/messages/print-runs/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "2 letters, " in page and "Download PDF" in page
    assert "Crown Fabrics Ltd" in page and "7 Quay Street<br>Hull HU1 1AB" in page
    pdf = client.get(f"/t/alpha/messages/print-runs/{run.pk}.pdf")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content == bytes(run.pdf)
    again = client.post("/t/alpha/messages/print-runs/")
    assert again.status_code == 400
    assert (
        '<span class="error" role="alert" id="print-run-problem">No letters are waiting to be printed.</span>'
        in (again.content.decode())
    )
    listed = client.get("/t/alpha/messages/print-runs/").content.decode()
    assert f"Print run {run.pk}</a>" in listed

    api = api_for(controller)
    body = api.get(f"/api/t/alpha/messages/print-runs/{run.pk}/").json()
    assert (body["status"], body["count"], body["done"], body["pages"]) == ("finished", 2, 2, run.pages)
    assert [(x["customer_code"], x["message_status"]) for x in body["letters"]] == [
        ("C000", "sent"),
        ("C001", "sent"),
    ]
    assert [r["id"] for r in api.get("/api/t/alpha/messages/print-runs/").json()["results"]] == [run.pk]
    assert api.get(f"/api/t/alpha/messages/print-runs/{run.pk}/pdf/").content == bytes(run.pdf)
    refused = api.post("/api/t/alpha/messages/print-runs/")
    assert (refused.status_code, refused.json()["detail"]) == (400, NOTHING_TO_PRINT)

    # Tenant B's run is a 404 for tenant A, on the pages, the PDF and the API.
    with tenant_context(letters["tenant_b"]), django_capture_on_commit_callbacks(execute=True):
        beta_run = print_run_start()
    for path in (
        f"/t/alpha/messages/print-runs/{beta_run.pk}/",
        f"/t/alpha/messages/print-runs/{beta_run.pk}.pdf",
    ):
        assert client.get(path).status_code == 404
    for path in (
        f"/api/t/alpha/messages/print-runs/{beta_run.pk}/",
        f"/api/t/alpha/messages/print-runs/{beta_run.pk}/pdf/",
    ):
        assert api.get(path).status_code == 404
    assert [r["id"] for r in api.get("/api/t/alpha/messages/print-runs/").json()["results"]] == [run.pk]


def test_a_running_run_shows_its_progress_and_has_no_pdf_yet(letters, make_member, client, api_for):
    tenant = letters["tenant"]
    controller = make_member(tenant, Role.CONTROLLER)
    with tenant_context(tenant):
        run = print_run_start(user=controller)  # not committed here: the worker has not started
        cache.set(print_runs._progress_key(run.pk), 1)
    client.force_login(controller)
    page = client.get(f"/t/alpha/messages/print-runs/{run.pk}/").content.decode()
    assert 'data-status="running"' in page and 'hx-trigger="every 1s"' in page
    assert '<strong id="print-run-count">1 of 2</strong> letters rendered' in page
    assert client.get(f"/t/alpha/messages/print-runs/{run.pk}.pdf").status_code == 404
    body = api_for(controller).get(f"/api/t/alpha/messages/print-runs/{run.pk}/").json()
    assert (body["status"], body["done"], body["count"]) == ("running", 1, 2)
    assert api_for(controller).get(f"/api/t/alpha/messages/print-runs/{run.pk}/pdf/").status_code == 404
    with tenant_context(tenant):
        cache.delete(print_runs._progress_key(run.pk))


def test_a_run_whose_worker_died_is_failed_and_frees_its_letters(letters):
    """Started, never rendered (the worker died): 30 minutes on, the sweep fails it; the letters wait
    for the next run. A run younger than that is left alone."""
    import datetime

    from django.utils import timezone

    from messaging.print_runs import STUCK_REASON, print_runs_fail_stuck

    with tenant_context(letters["tenant"]):
        run = print_run_start()
        assert print_runs_fail_stuck(now=timezone.now() + datetime.timedelta(minutes=29)) == 0
        assert print_runs_fail_stuck(now=timezone.now() + datetime.timedelta(minutes=31)) == 1
        run.refresh_from_db()
        assert (run.status, run.status_reason) == ("failed", STUCK_REASON)
        assert print_runs.letters_to_print().count() == 2
        assert print_run_start().count == 2
