import datetime as dt
import threading

import pytest
from django.db import connection

from deadlines.models import Clock, Reminder
from deadlines.services import reminder_sweep
from deadlines.tasks import reminder_sweep_task
from notifications.models import Notification

from .conftest import HOLIDAY_DUE, T1, T3, at

# The sweep runs on make run's SQLite too (its SQL has one branch per vendor).
pytestmark = pytest.mark.embedded


def _sent(clock):
    return sorted((r.kind, r.day, r.offset) for r in Reminder.objects.filter(clock=clock))


@pytest.mark.django_db
def test_reminders_across_national_day_go_out_once_each(intake_clock, users):
    """Running the sweep twice every morning from 25 September to 13 October
    2026 sends T-3 (29 Sept), T-1 (8 Oct, after the holiday), the due-day
    reminder (9 Oct), the escalation (10 Oct, a 调休 working Saturday) and
    daily overdue reminders on working days only (not Sunday 11 Oct), each
    exactly once."""
    day = dt.date(2026, 9, 25)
    while day <= dt.date(2026, 10, 13):
        for hour in (8, 14):
            with at(day, hour):
                reminder_sweep()
        day += dt.timedelta(days=1)
    assert _sent(intake_clock) == [
        ("before", T3, 3),
        ("before", T1, 1),
        ("due", HOLIDAY_DUE, 0),
        ("escalation", dt.date(2026, 10, 10), 0),
        ("overdue", dt.date(2026, 10, 12), 0),
        ("overdue", dt.date(2026, 10, 13), 0),
    ]
    intake = Notification.objects.filter(recipient=users["intake"]).order_by("created_at", "id")
    assert [n.kind for n in intake] == [
        "reminder:before", "reminder:before", "reminder:due", "reminder:escalation",
        "reminder:overdue", "reminder:overdue",
    ]
    # Written in the site's language (Chinese), whoever reads it later.
    assert "将于2026-10-09届满，还有3个工作日" in intake[0].message
    assert "已报分管领导" in intake[3].message
    # The supervisor hears of it only once it is overdue.
    sup = list(Notification.objects.filter(recipient=users["supervisor"]).values_list("kind", flat=True))
    assert sorted(sup) == ["reminder:escalation", "reminder:overdue", "reminder:overdue"]
    # Nobody else: not the applicant, not the inspectors.
    assert not Notification.objects.filter(recipient__in=[users["applicant"], users["inspector1"]]).exists()
    rem = Reminder.objects.get(clock=intake_clock, kind="escalation")
    assert set(rem.recipients.values_list("username", flat=True)) == {"intake", "supervisor"}


@pytest.mark.django_db
def test_missed_days_send_only_the_current_reminder(intake_clock, users):
    """With the worker down from 25 September until 8 October, the first
    run sends only the T-1 reminder, not the stale T-3 one; a run on the
    due day after that sends the due-day reminder only."""
    with at(T1, 9):
        counts = reminder_sweep()
    assert counts["sent"] == 1
    assert _sent(intake_clock) == [("before", T1, 1)]
    with at(HOLIDAY_DUE, 16):
        reminder_sweep()
    assert _sent(intake_clock) == [("before", T1, 1), ("due", HOLIDAY_DUE, 0)]


@pytest.mark.django_db
def test_missed_escalation_is_caught_up_once(intake_clock, users):
    """A sweep that first runs three days after the due date sends the
    escalation (it never went), nothing more that day, and the next working
    day the daily overdue reminder, not a second escalation."""
    with at(dt.date(2026, 10, 12)):
        reminder_sweep()
    with at(dt.date(2026, 10, 12), 15):
        assert reminder_sweep()["sent"] == 0
    assert _sent(intake_clock) == [("escalation", dt.date(2026, 10, 10), 0)]
    with at(dt.date(2026, 10, 13)):
        reminder_sweep()
        reminder_sweep()
    assert _sent(intake_clock) == [
        ("escalation", dt.date(2026, 10, 10), 0), ("overdue", dt.date(2026, 10, 13), 0),
    ]


@pytest.mark.django_db
def test_retried_task_sends_nothing_twice(intake_clock, users):
    """The beat task run twice (a retry, a redelivery) on T-3 sends one
    reminder and one notification per recipient."""
    with at(T3):
        first = reminder_sweep_task.apply().get()
        second = reminder_sweep_task.apply().get()
    assert first["sent"] == 1 and second["sent"] == 0
    assert Notification.objects.filter(recipient=users["intake"], kind="reminder:before").count() == 1


@pytest.mark.django_db
def test_paused_and_stopped_clocks_are_not_reminded(intake_clock, users):
    """Only running clocks are swept: a paused clock (waiting for the
    applicant) and a stopped one get no reminder."""
    Clock.objects.filter(pk=intake_clock.pk).update(status=Clock.Status.STOPPED)
    with at(T3):
        assert reminder_sweep()["sent"] == 0
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_sweep_selection_is_one_query_per_batch(intake_clock, users, django_assert_num_queries):
    """Selecting the due clocks is one query whatever their number: on a
    day with nothing due the sweep costs the periods that end by themselves
    (1, careers' impact periods), the calendar (2) and the selection (1
    query through a server-side cursor)."""
    with at(dt.date(2026, 9, 25)), django_assert_num_queries(4):
        assert reminder_sweep()["sent"] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_each_reminder_once(world):
    """Two sweeps running at the same moment in two threads (two database
    transactions) over 40 clocks due the same day send each reminder once:
    the unique key (clock, kind, day) and ON CONFLICT DO NOTHING decide."""
    from deadlines.services import clock_open
    from tests.factories import make_case

    users = world["users"]
    with at(dt.date(2026, 9, 25), 10):
        for _ in range(40):
            case = make_case(applicant=users["applicant"], unit=world["units"]["huailai-edu"], stage="submitted")
            clock_open(case=case, stage="intake", start=dt.date(2026, 9, 25))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(reminder_sweep(batch_size=7))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    # One frozen clock for both threads (time-machine patches the process).
    with at(T3):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors
    assert sum(r["sent"] for r in results) == 40
    assert Reminder.objects.count() == 40
    assert Notification.objects.filter(recipient=users["intake"]).count() == 40


@pytest.mark.django_db
def test_sweep_query_count_does_not_grow_with_clocks(world, django_assert_num_queries):
    """Sending the reminders of 3 or of 12 verification clocks (inspectors,
    with recusals) costs the same number of queries: no per-clock query."""
    from deadlines.services import clock_open
    from tests.factories import make_case

    users = world["users"]

    def make(n):
        with at(dt.date(2026, 8, 14), 10):
            for _ in range(n):
                case = make_case(applicant=users["applicant"], unit=world["units"]["huailai-edu"],
                                 stage="verification")
                clock_open(case=case, stage="verification", start=dt.date(2026, 8, 14))

    make(3)
    due = Clock.objects.first().due_date
    day = T3 if due == HOLIDAY_DUE else due  # the due day itself
    with at(day), django_assert_num_queries(SWEEP_QUERIES):
        assert reminder_sweep()["sent"] == 3
    Reminder.objects.all().delete()
    make(9)
    with at(day), django_assert_num_queries(SWEEP_QUERIES):
        assert reminder_sweep()["sent"] == 12


# Periods that end by themselves (1), calendar (2) and selection (1); then,
# for the one batch: savepoints,
# the reminder insert, reminders with their cases, recusals, the role
# holders, the recipients' addresses and preferences, the notifications and
# the reminders' recipients, their e-mail tasks (one outbox insert). Pinned:
# a change shows up in the diff.
SWEEP_QUERIES = 16
