"""A pre-filing's due dates are clocks (deadlines, subject "prefiling"):
its reminders, escalation and the missed-report warning come from the
clocks' one sweep, to the actors its steps declare (prefilings/steps.py)."""

import datetime as dt

import pytest
from django.core.management import call_command

from core.steps import clock_declared
from deadlines.models import Clock, Reminder
from deadlines.selectors import clock_actors, clock_escalation
from deadlines.services import reminder_sweep
from deadlines.tasks import reminder_sweep_task
from notifications.models import Notification
from prefilings import services
from prefilings.models import EarlyWarning

from .conftest import FRIDAY, MONDAY, at

# The clocks' sweep runs on make run's SQLite too.
pytestmark = pytest.mark.embedded

REPORT_DUE = dt.date(2026, 3, 3)  # the registered fixture's first report (Tuesday)
PERIOD_END = dt.date(2026, 7, 31)


def _sent(kind, filing=None):
    rows = Notification.objects.filter(kind=f"reminder:{kind}")
    if filing is not None:
        rows = rows.filter(url__endswith=f"/{filing.pk}/")
    return sorted(rows.values_list("recipient__username", flat=True))


def _clocks(filing, **filters):
    return Clock.objects.filter(subject="prefiling", subject_pk=filing.pk, **filters)


class TestTheClocks:
    def test_submission_opens_the_review_clock(self, submitted):
        """The review's due date is its clock's (one working day: Monday), no case attached."""
        clock = _clocks(submitted).get()
        assert (clock.stage, clock.status, clock.due_date, clock.case_id) == ("prefiling_review", "running", MONDAY,
                                                                             None)
        assert submitted.review_due == clock.due_date

    def test_registration_stops_review_and_opens_report_and_evaluation(self, registered):
        """Registered: the review clock stops; the report clock runs to its date, the evaluation's to the period's end."""
        rows = {c.stage: c for c in _clocks(registered)}
        assert rows["prefiling_review"].status == "stopped"
        assert (rows["progress_report"].status, rows["progress_report"].due_date) == ("running", REPORT_DUE)
        assert (rows["prefiling_evaluation"].status, rows["prefiling_evaluation"].due_date) == ("running", PERIOD_END)
        assert registered.next_report_due == REPORT_DUE

    def test_a_report_moves_the_clock_and_evaluation_stops_them_all(self, registered, users):
        """A report stops its clock and opens the next one; the evaluation stops every clock."""
        with at(REPORT_DUE):
            services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="正常",
                                               risks=[{"risk": 0, "realised": False}, {"risk": 1, "realised": False}])
        running = _clocks(registered, status="running", stage="progress_report")
        assert [c.due_date for c in running] == [dt.date(2026, 4, 2)]
        services.prefiling_evaluate(filing=registered, actor=users["applicant"], outcome="试点完成", lessons="资质审核要前置")
        assert not _clocks(registered, status="running").exists()

    def test_actors_are_declared_by_the_steps(self, db):
        """Who is reminded and escalated for a pre-filing's clocks comes from its step declarations."""
        assert clock_declared("prefiling_review", "prefiling").remind == ("intake",)
        assert clock_actors("progress_report", "prefiling") == ("unit",)
        assert clock_escalation("progress_report", "prefiling") == ("inspectors",)
        assert clock_escalation("prefiling_review", "prefiling") == ("supervisors",)
        # The case's clocks too: deadlines holds no table of them.
        assert clock_actors("verification") == ("inspectors",)
        assert clock_declared("supplement").at_authority is False


class TestReviewReminders:
    def test_before_and_on_the_due_day_intake_once(self, submitted):
        """T-1 (the Friday of submission) and the due Monday intake hears of it, once each whatever the reruns."""
        reminder_sweep(today=FRIDAY)
        with at(MONDAY, 8, 5):
            first = reminder_sweep_task()
            second = reminder_sweep_task()
        assert first["sent"] == 1 and second["sent"] == 0
        assert _sent("before") == ["intake"]
        assert _sent("due") == ["intake"]
        assert Reminder.objects.filter(clock__subject_pk=submitted.pk, kind="due", day=MONDAY).count() == 1
        note = Notification.objects.get(kind="reminder:due")
        assert submitted.title in note.message and note.url == services.prefiling_url(submitted.pk)

    def test_overdue_review_escalates_to_the_supervisor(self, submitted):
        """The day after the due date intake and the supervisor hear it is overdue, once; then daily."""
        for day in (dt.date(2026, 1, 13), dt.date(2026, 1, 13)):
            with at(day):
                reminder_sweep()
        assert _sent("escalation") == ["intake", "supervisor"]
        with at(dt.date(2026, 1, 14)):
            reminder_sweep()
        assert _sent("overdue") == ["intake", "supervisor"]

    def test_supplement_request_stops_the_reminders(self, submitted, users):
        """While the unit supplements, intake's clock is stopped: nothing is sent."""
        services.prefiling_request_supplement(filing=submitted, actor=users["intake"], missing="会议纪要")
        assert reminder_sweep(today=dt.date(2026, 1, 13))["sent"] == 0

    def test_registration_stops_review_reminders(self, submitted, users):
        """A registered filing is no longer reminded about its review."""
        services.prefiling_register(filing=submitted, actor=users["intake"])
        reminder_sweep(today=dt.date(2026, 1, 13))
        assert not Reminder.objects.filter(clock__stage="prefiling_review").exists()


class TestProgressReportReminders:
    def test_reminded_before_and_on_the_due_day(self, registered):
        """Three working days before (27 February: the 28th is a working Saturday) and on the day, the unit is reminded."""
        assert reminder_sweep(today=dt.date(2026, 2, 26))["sent"] == 0
        reminder_sweep(today=dt.date(2026, 2, 27))
        reminder_sweep(today=REPORT_DUE)
        assert _sent("before") == ["applicant", "unit_reviewer"]
        assert _sent("due") == ["applicant", "unit_reviewer"]

    def test_missed_report_raises_one_early_warning(self, registered):
        """The day after a missed report: one warning, the inspectors escalated to, whatever the reruns."""
        for _ in range(3):
            reminder_sweep(today=dt.date(2026, 3, 4))
        reminder_sweep(today=dt.date(2026, 3, 5))
        warnings = list(EarlyWarning.objects.filter(prefiling=registered))
        assert len(warnings) == 1
        assert warnings[0].source == EarlyWarning.Source.MISSED_REPORT
        assert warnings[0].due_date == REPORT_DUE
        assert {"inspector1", "inspector2", "applicant", "unit_reviewer"} == set(_sent("escalation"))
        assert len(_sent("escalation")) == len(set(_sent("escalation")))
        assert registered.events.filter(kind="warning_raised").count() == 1

    def test_a_report_in_time_raises_nothing(self, registered, users):
        """Reported on the due day: the next report is due one interval later, no warning."""
        with at(REPORT_DUE):
            services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="正常",
                                               risks=[{"risk": 0, "realised": False}, {"risk": 1, "realised": False}])
        reminder_sweep(today=dt.date(2026, 3, 4))
        assert not EarlyWarning.objects.exists()
        registered.refresh_from_db()
        assert registered.next_report_due == dt.date(2026, 4, 2)

    def test_evaluation_due_at_the_end_of_the_period(self, registered, users):
        """On the last day of the period the unit is asked for its evaluation, once; nobody else."""
        with at(dt.date(2026, 7, 6)):  # the last report: the next would fall after the period
            services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="正常",
                                               risks=[{"risk": 0, "realised": False}, {"risk": 1, "realised": False}])
        reminder_sweep(today=PERIOD_END)
        reminder_sweep(today=PERIOD_END)
        assert _sent("due") == ["applicant", "unit_reviewer"]
        message = Notification.objects.get(kind="reminder:due", recipient__username="applicant").message
        assert "事后评估" in message  # in the site's language


class TestPeriodicTaskSetup:
    def test_the_own_sweep_is_gone(self, db):
        """Only the clocks' sweep remains; a beat row of the old pre-filing sweep is removed."""
        from django_celery_beat.models import CrontabSchedule, PeriodicTask

        crontab = CrontabSchedule.objects.create(minute="5")
        PeriodicTask.objects.create(name="prefilings: reminder sweep", task="prefilings.reminder_sweep",
                                    crontab=crontab)
        call_command("setup_periodic_tasks")
        assert not PeriodicTask.objects.filter(task="prefilings.reminder_sweep").exists()
        assert PeriodicTask.objects.filter(task="deadlines.reminder_sweep").count() == 1
