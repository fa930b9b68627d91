import pytest
from django.core.management import call_command


@pytest.mark.embedded
@pytest.mark.django_db
def test_setup_periodic_tasks_is_idempotent():
    """The beat schedule declared in code is written once: a second run
    updates the same rows (the sweep every 15 minutes 08:00-20:45 and the
    08:30 digest, Asia/Shanghai), and the task names resolve to real tasks."""
    from django_celery_beat.models import PeriodicTask

    from config.celery_app import app

    call_command("setup_periodic_tasks")
    call_command("setup_periodic_tasks")
    tasks = {t.name: t for t in PeriodicTask.objects.select_related("crontab")}
    sweep = tasks["deadlines: reminder sweep"]
    assert sweep.task == "deadlines.reminder_sweep" and sweep.enabled
    assert (sweep.crontab.minute, sweep.crontab.hour, str(sweep.crontab.timezone)) == ("*/15", "8-20", "Asia/Shanghai")
    assert tasks["notifications: daily digest"].crontab.hour == "8"
    # Pre-filings' reminders are the clocks' (their own sweep is gone).
    assert "prefilings: reminder sweep" not in tasks
    assert tasks["publication: publish scheduled"].crontab.minute == "*"
    assert tasks["core: orphan files sweep"].crontab.hour == "3"
    assert tasks["dashboard: expire old exports"].crontab.minute == "20"
    assert tasks["letters: pending sweep"].crontab.minute == "*"
    assert tasks["core: outbox relay"].crontab.minute == "*"
    assert tasks["audit: purge old records"].task == "audit.purge_old"
    assert tasks["core: idempotency keys expire"].crontab.hour == "3"
    assert tasks["dashboard: fold figures"].task == "dashboard.figures_fold"
    assert tasks["careers: result uses sweep"].task == "careers.obligations_sweep"
    assert PeriodicTask.objects.count() == 11
    app.loader.import_default_modules()
    assert {t.task for t in tasks.values()} <= set(app.tasks)
