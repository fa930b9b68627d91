import datetime as dt

import pytest
from django.core.management import call_command

from notifications.models import Notification
from prefilings import services
from prefilings.models import EarlyWarning, PreFilingReminder
from prefilings.tasks import prefiling_reminder_sweep_task

from .conftest import FRIDAY, MONDAY, at

# The sweep runs on make run's SQLite too (its raw SQL is portable).
pytestmark = pytest.mark.embedded

REPORT_DUE = dt.date(2026, 3, 3)  # the registered fixture's first report (Tuesday)


def _sent(kind):
    return list(Notification.objects.filter(kind=f"prefiling:{kind}").values_list("recipient__username", flat=True))


class TestReviewReminders:
    def test_nothing_before_the_due_day(self, submitted):
        """On the day of submission nothing is due yet."""
        assert services.prefiling_reminder_sweep(today=FRIDAY)["sent"] == 0

    def test_due_day_reminds_intake_exactly_once(self, submitted):
        """On the due day intake is reminded once, however often the sweep runs."""
        with at(MONDAY, 8, 5):
            first = prefiling_reminder_sweep_task()
            second = prefiling_reminder_sweep_task()
        assert first == {"filings": 1, "sent": 1}
        assert second["sent"] == 0
        assert PreFilingReminder.objects.filter(prefiling=submitted, kind="review_due", day=MONDAY).count() == 1
        assert _sent("review_due") == ["intake"]

    def test_overdue_review_escalates_to_the_supervisor(self, submitted):
        """The day after the due date intake and the supervisor hear it is overdue, once."""
        services.prefiling_reminder_sweep(today=dt.date(2026, 1, 13))
        services.prefiling_reminder_sweep(today=dt.date(2026, 1, 13))
        services.prefiling_reminder_sweep(today=dt.date(2026, 1, 14))
        assert sorted(_sent("review_overdue")) == ["intake", "supervisor"]

    def test_registration_stops_review_reminders(self, submitted, users):
        """A registered filing is no longer reminded about its review."""
        services.prefiling_register(filing=submitted, actor=users["intake"])
        services.prefiling_reminder_sweep(today=dt.date(2026, 1, 13))
        assert not PreFilingReminder.objects.filter(kind__startswith="review").exists()


class TestProgressReportReminders:
    def test_reminded_before_and_on_the_due_day(self, registered):
        """Three working days before (27 February) and on the day, the unit is reminded."""
        assert services.prefiling_reminder_sweep(today=dt.date(2026, 2, 26))["sent"] == 0
        services.prefiling_reminder_sweep(today=dt.date(2026, 2, 27))
        services.prefiling_reminder_sweep(today=REPORT_DUE)
        assert sorted(_sent("report_before")) == ["applicant", "unit_reviewer"]
        assert sorted(_sent("report_due")) == ["applicant", "unit_reviewer"]

    def test_missed_report_raises_one_early_warning(self, registered):
        """The day after a missed report: one warning and one notice to the inspectors, whatever the reruns."""
        for _ in range(3):
            services.prefiling_reminder_sweep(today=dt.date(2026, 3, 4))
        services.prefiling_reminder_sweep(today=dt.date(2026, 3, 5))
        warnings = list(EarlyWarning.objects.filter(prefiling=registered))
        assert len(warnings) == 1
        assert warnings[0].source == EarlyWarning.Source.MISSED_REPORT
        assert warnings[0].due_date == REPORT_DUE
        assert {"inspector1", "inspector2", "applicant"} <= set(_sent("report_missed"))
        assert len(_sent("report_missed")) == len(set(_sent("report_missed")))
        assert registered.events.filter(kind="warning_raised").count() == 1

    def test_a_report_in_time_raises_nothing(self, registered, users):
        """Reported on the due day: the next report is due one interval later, no warning."""
        with at(REPORT_DUE):
            services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="正常",
                                               risks=[{"risk": 0, "realised": False}, {"risk": 1, "realised": False}])
        services.prefiling_reminder_sweep(today=dt.date(2026, 3, 4))
        assert not EarlyWarning.objects.exists()
        registered.refresh_from_db()
        assert registered.next_report_due == dt.date(2026, 4, 2)

    def test_evaluation_due_at_the_end_of_the_period(self, registered):
        """On the last day of the period the unit is asked for its evaluation, once."""
        services.prefiling_reminder_sweep(today=dt.date(2026, 7, 31))
        services.prefiling_reminder_sweep(today=dt.date(2026, 8, 3))
        assert sorted(_sent("evaluation_due")) == ["applicant", "unit_reviewer"]

    def test_sweep_selects_with_one_query_per_batch(self, users, django_assert_num_queries):
        """Filings with nothing due cost the sweep its calendar queries and one select."""
        from prefilings.models import PreFiling

        assert not PreFiling.objects.exists()
        with django_assert_num_queries(3):  # calendar overrides, calendar years, the batch
            services.prefiling_reminder_sweep(today=FRIDAY)


class TestPeriodicTaskSetup:
    def test_setup_is_idempotent(self, db):
        """The command writes one beat row for the sweep, however often it runs."""
        from django_celery_beat.models import PeriodicTask

        call_command("setup_periodic_tasks")
        call_command("setup_periodic_tasks")
        rows = PeriodicTask.objects.filter(task="prefilings.reminder_sweep")
        assert rows.count() == 1 and rows.get().enabled
