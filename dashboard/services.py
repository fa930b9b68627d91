"""Exports of the case list and of the dashboard tables.

Small exports are written in the request; above ``EXPORT_ASYNC_THRESHOLD``
rows (a setting, default 2,000) an ``Export`` row is created and a Celery
task writes the file, reporting progress, and the user downloads it when
it is ready.
"""

import datetime as dt
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.exceptions import ApplicationError

from . import exports
from .models import Export

NOT_ALLOWED = gettext_lazy("You may not export these figures.")
BAD_FORMAT = gettext_lazy("Unknown export format.")
DEFAULT_ASYNC_THRESHOLD = 2000


def export_async_threshold() -> int:
    return int(getattr(settings, "EXPORT_ASYNC_THRESHOLD", DEFAULT_ASYNC_THRESHOLD))


def _tables_for(export_kind: str, user: User, filters: dict) -> tuple[list, int]:
    """The tables to write and their row count."""
    if export_kind == Export.Kind.CASES:
        qs = exports.case_export_queryset(user=user, filters=filters)
        total = qs.count()
        return [(_("Cases"), exports.case_headers(), exports.case_rows(qs))], total
    from .selectors import dashboard_may_view, dashboard_stats, dashboard_tables

    if not dashboard_may_view(user=user):
        raise ApplicationError(_(NOT_ALLOWED), code="permission_denied", status_code=403)
    tables = dashboard_tables(dashboard_stats(user=user, filters=filters))
    return tables, sum(len(rows) for _t, _h, rows in tables)


def export_write(*, user: User, kind: str, fmt: str, filters: dict, out, progress=None) -> int:
    """Write the export into the binary file ``out`` now (no row kept);
    the caller checked that it is small enough."""
    if fmt not in exports.WRITERS:
        raise ApplicationError(_(BAD_FORMAT), code="invalid")
    tables, _total = _tables_for(kind, user, filters)
    return exports.WRITERS[fmt](out, tables, progress)


@transaction.atomic
def export_create(*, actor: User, kind: str, fmt: str, filters: dict) -> Export:
    """Record an export and have the worker write it (after commit)."""
    if fmt not in exports.WRITERS or kind not in Export.Kind.values:
        raise ApplicationError(_(BAD_FORMAT), code="invalid")
    if kind == Export.Kind.DASHBOARD:
        from .selectors import dashboard_may_view

        if not dashboard_may_view(user=actor):
            raise ApplicationError(_(NOT_ALLOWED), code="permission_denied", status_code=403)
    export = Export.objects.create(user=actor, kind=kind, format=fmt, filters=filters)
    from core.tasks import enqueue

    from .tasks import export_run_task

    enqueue(export_run_task, export.pk)
    return export


def export_run(*, export_id: int) -> bool:
    """Write the file of a recorded export. Safe to run twice: a finished
    export is left alone; a redelivered one (its worker died) starts over
    and replaces any partial file. Not one transaction: the progress must
    be visible to the page polling it while the rows are written."""
    with transaction.atomic():
        export = Export.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status in (Export.Status.DONE, Export.Status.FAILED):
            return False
        export.status = Export.Status.RUNNING
        export.done_rows = 0
        export.save(update_fields=["status", "done_rows", "updated_at"])
    tables, total = _tables_for(export.kind, export.user, export.filters)
    Export.objects.filter(pk=export.pk).update(total=total)

    def progress(n: int) -> None:
        Export.objects.filter(pk=export.pk).update(done_rows=n)

    with tempfile.TemporaryFile() as tmp:
        written = exports.WRITERS[export.format](tmp, tables, progress)
        tmp.seek(0)
        with transaction.atomic():
            export = Export.objects.select_for_update().get(pk=export.pk)
            if export.status == Export.Status.DONE:
                return False
            if export.file:
                export.file.delete(save=False)
            export.file.save(export.filename, File(tmp), save=False)
            export.status = Export.Status.DONE
            export.total = export.done_rows = written
            export.finished_at = timezone.now()
            export.save(update_fields=["file", "status", "total", "done_rows", "finished_at", "updated_at"])
    return True


@transaction.atomic
def export_fail(*, export_id: int, error: str) -> None:
    """The task's final failure: the page shows it instead of waiting."""
    export = Export.objects.select_for_update().filter(pk=export_id).first()
    if export is None or export.status == Export.Status.DONE:
        return
    export.status = Export.Status.FAILED
    export.error = error[:2000]
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at", "updated_at"])


# Exports hold lists of cases with names and units: personal data that
# should not pile up on the server. The row stays (who exported what, when);
# the file goes after this long.
EXPORT_RETENTION = dt.timedelta(days=7)


def export_expire_old(*, retention: dt.timedelta = EXPORT_RETENTION) -> int:
    """Remove the files of exports finished longer than ``retention`` ago;
    the export shows as removed. Returns how many. Safe to run twice."""
    cutoff = timezone.now() - retention
    count = 0
    for export_id in (Export.objects.filter(status=Export.Status.DONE, finished_at__lt=cutoff)
                      .values_list("pk", flat=True)):
        with transaction.atomic():
            export = Export.objects.select_for_update().filter(pk=export_id, status=Export.Status.DONE).first()
            if export is None:
                continue
            name = export.file.name
            export.status = Export.Status.EXPIRED
            export.file = ""
            export.save(update_fields=["status", "file", "updated_at"])
            if name:
                storage = Export._meta.get_field("file").storage
                transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
            count += 1
    return count
