"""Parallel flows on one jurisdiction never deadlock, and a step on one case
never waits for another case's lock (issue 20: the case lock used to cover
the shared org-unit and policy-version rows too)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from accounts.models import User
from cases import services
from cases.models import Case

from .conftest import fill_draft, pdf

FLOWS = 6  # threads, each with its own database connection


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _flow(case_id: int, ids: dict, barrier: threading.Barrier, errors: list) -> None:
    try:
        applicant, reviewer, intake = (User.objects.get(pk=ids[k]) for k in ("applicant", "reviewer", "intake"))
        case = Case.objects.get(pk=case_id)
        barrier.wait(timeout=30)
        services.attachment_add(case=case, actor=applicant, file=pdf("补充.pdf"), kind="evidence")
        services.case_submit(case=case, actor=applicant)
        services.case_unit_forward(case=case, actor=reviewer, meeting_date=dt.date(2026, 1, 5),
                                   participants="王芳、李明", opinion="同意报送。")
        services.case_request_supplement(case=case, actor=intake, missing="会议纪要")
        services.attachment_add(case=case, actor=applicant, file=pdf("纪要.pdf"), kind="evidence")
        services.case_supplement(case=case, actor=applicant, answer="已补交纪要。")
        services.case_accept(case=case, actor=intake)
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_parallel_flows_on_one_jurisdiction_do_not_deadlock(users):
    """Six cases of the same units and policy version go from draft to
    accepted at the same time (uploads, submission, unit review, a supplement
    round, acceptance with its letter): all succeed and PostgreSQL counts no
    deadlock."""
    ids = {"applicant": users["applicant"].pk, "reviewer": users["unit_reviewer"].pk, "intake": users["intake"].pk}
    case_ids = []
    for i in range(FLOWS):
        case = services.case_create(actor=users["applicant"], title=f"并行流程{i}")
        fill_draft(case, users["applicant"])
        case_ids.append(case.pk)
    before = _deadlocks()
    barrier = threading.Barrier(FLOWS)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_flow, args=(pk, ids, barrier, errors)) for pk in case_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a flow hung"
    assert errors == []
    assert _deadlocks() == before
    cases = list(Case.objects.filter(pk__in=case_ids))
    assert {c.stage for c in cases} == {"verification"}
    assert sorted(c.number_seq for c in cases) == list(range(1, FLOWS + 1))
    assert all(c.letters.filter(kind="acceptance").count() == 1 for c in cases)


@pytest.mark.django_db(transaction=True)
def test_a_locked_case_does_not_hold_up_another_case(users):
    """While one step holds case A's lock, an upload to draft B of the same
    unit goes through at once: B's transaction is given a lock timeout of one
    second and would fail if it waited for any row A's step holds."""
    applicant = users["applicant"]
    a = services.case_create(actor=applicant, title="甲案")
    b = services.case_create(actor=applicant, title="乙案")
    held, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_a():
        try:
            with transaction.atomic():
                services.case_lock(Case.objects.get(pk=a.pk))
                held.set()
                release.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold_a)
    thread.start()
    try:
        assert held.wait(timeout=10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            services.attachment_add(case=b, actor=applicant, file=pdf(), kind="evidence")
            services.case_update(case=b, actor=applicant, matter="乙案的事项")
    finally:
        release.set()
        thread.join(timeout=30)
    assert errors == []
    assert b.attachments.count() == 1
