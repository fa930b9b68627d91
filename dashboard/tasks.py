from celery import shared_task

from . import services


def _on_failure(self, exc, task_id, args, kwargs, einfo):
    services.export_fail(export_id=args[0], error=str(exc))


@shared_task(name="dashboard.export_run", on_failure=_on_failure, soft_time_limit=20 * 60, time_limit=25 * 60)
def export_run_task(export_id: int) -> bool:
    """Write a recorded export's file. Safe to run twice (the service
    leaves a finished export alone)."""
    return services.export_run(export_id=export_id)


@shared_task(name="dashboard.export_expire_old")
def export_expire_old_task() -> int:
    """Daily: remove export files past their retention period."""
    return services.export_expire_old()


@shared_task(name="dashboard.figures_fold")
def figures_fold_task() -> int:
    """Every minute: take the cases changed since into the dashboard's
    cells (until then they are counted live, so this only keeps that set
    small). Safe to run twice."""
    return services.figures_fold_all()
