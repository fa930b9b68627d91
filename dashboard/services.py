"""Exports of the case list and of the dashboard tables.

Small exports are written in the request; above ``EXPORT_ASYNC_THRESHOLD``
rows (a setting, default 2,000) an ``Export`` row is created and a Celery
task writes the file, reporting progress, and the user downloads it when
it is ready.
"""

import datetime as dt
import json
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from cases.models import Case, Stage
from core.exceptions import ApplicationError
from core.tasks import enqueue

from . import exports, recount, tasks
from .models import CaseFigure, Export, FigureCell, FigureDirty
from .selectors import case_figures, cells_with_levels, dashboard_may_view, dashboard_stats, dashboard_tables

NOT_ALLOWED = gettext_lazy("You may not export these figures.")
BAD_FORMAT = gettext_lazy("Unknown export format.")
DEFAULT_ASYNC_THRESHOLD = 2000


def export_async_threshold() -> int:
    return int(getattr(settings, "EXPORT_ASYNC_THRESHOLD", DEFAULT_ASYNC_THRESHOLD))


def _writer_for(export_kind: str, fmt: str, user: User, filters: dict):
    """(write(out, progress) -> rows written, the row count)."""
    if export_kind == Export.Kind.CASES:
        qs = exports.case_export_queryset(user=user, filters=filters)
        return (lambda out, progress: exports.write_cases(out, fmt, qs, progress)), qs.count()
    tables, total = _tables_for(user, filters)
    return (lambda out, progress: exports.WRITERS[fmt](out, tables, progress)), total


def _tables_for(user: User, filters: dict) -> tuple[list, int]:
    """The dashboard's tables and their row count."""
    if not dashboard_may_view(user=user):
        raise ApplicationError(_(NOT_ALLOWED), code="permission_denied", status_code=403)
    tables = dashboard_tables(dashboard_stats(user=user, filters=filters))
    return tables, sum(len(rows) for _t, _h, rows in tables)


def export_write(*, user: User, kind: str, fmt: str, filters: dict, out, progress=None) -> int:
    """Write the export into the binary file ``out`` now (no row kept);
    the caller checked that it is small enough."""
    if fmt not in exports.WRITERS:
        raise ApplicationError(_(BAD_FORMAT), code="invalid")
    write, _total = _writer_for(kind, fmt, user, filters)
    return write(out, progress)


@transaction.atomic
def export_create(*, actor: User, kind: str, fmt: str, filters: dict) -> Export:
    """Record an export and have the worker write it (after commit)."""
    if fmt not in exports.WRITERS or kind not in Export.Kind.values:
        raise ApplicationError(_(BAD_FORMAT), code="invalid")
    if kind == Export.Kind.DASHBOARD:
        if not dashboard_may_view(user=actor):
            raise ApplicationError(_(NOT_ALLOWED), code="permission_denied", status_code=403)
    export = Export.objects.create(user=actor, kind=kind, format=fmt, filters=filters)
    enqueue(tasks.export_run_task, export.pk)
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
    write, total = _writer_for(export.kind, export.format, export.user, export.filters)
    Export.objects.filter(pk=export.pk).update(total=total)

    def progress(n: int) -> None:
        Export.objects.filter(pk=export.pk).update(done_rows=n)

    with tempfile.TemporaryFile() as tmp:
        written = write(tmp, progress)
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


# --- Maintained figures (models.FigureCell) -----------------------------------

FOLD_BATCH = 2000


def _cells_apply(deltas: dict[tuple[int, int, str, str, str], list]) -> None:
    """Add ``deltas`` ((jurisdiction, year, kind, a, b) -> [n, seconds]) to
    the cells; a cell that falls to zero goes."""
    keys = sorted(k for k, (n, s) in deltas.items() if n or s)
    existing = {
        (c.jurisdiction_id, c.year, c.kind, c.a, c.b): c
        # Under the figures lock (lock_figures): nobody else writes cells.
        for c in FigureCell.objects.filter(
            jurisdiction_id__in={k[0] for k in keys}, year__in={k[1] for k in keys},
            kind__in={k[2] for k in keys}, a__in={k[3] for k in keys}, b__in={k[4] for k in keys})
    } if keys else {}
    new, changed, gone = [], [], []
    for key in keys:
        n, seconds = deltas[key]
        cell = existing.get(key)
        if cell is None:
            new.append(FigureCell(jurisdiction_id=key[0], year=key[1], kind=key[2], a=key[3], b=key[4], n=n,
                                  total=seconds))
            continue
        cell.n += n
        cell.total += seconds
        (gone if cell.n == 0 else changed).append(cell)
    FigureCell.objects.bulk_create(new, batch_size=1000)
    FigureCell.objects.bulk_update(changed, ["n", "total"], batch_size=1000)
    FigureCell.objects.filter(pk__in=[c.pk for c in gone]).delete()


def lock_figures() -> None:
    # One fold or recount at a time (PostgreSQL; SQLite has one writer):
    # each reads a case's stored contribution and replaces it.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('dashboard.figures'))")


def figures_fold(*, limit: int = FOLD_BATCH) -> int:
    """Take up to ``limit`` marked cases into the cells: for each, its
    stored contribution out and its current one in. Returns how many cases.
    Safe to run twice or side by side: a case changed again while it was
    folded keeps its newer mark and is folded again."""
    with transaction.atomic():
        lock_figures()
        marks = list(FigureDirty.objects.order_by("id").values_list("id", "case_id")[: limit * 4])
        if not marks:
            return 0
        case_ids = list(dict.fromkeys(case_id for _id, case_id in marks))[:limit]
        wanted = set(case_ids)
        mark_ids = [mark_id for mark_id, case_id in marks if case_id in wanted]
        # Read after the marks: the rows below include every change marked.
        live = case_figures(Case.objects.filter(pk__in=case_ids).exclude(stage=Stage.DRAFT))
        stored = {f.case_id: f for f in CaseFigure.objects.filter(case_id__in=case_ids)}
        deltas: dict[tuple, list] = {}

        def add(jur, year, cells, sign):
            for kind, a, b, n, seconds in cells_with_levels(cells):
                d = deltas.setdefault((jur, year, kind, a, b), [0, 0.0])
                d[0] += sign * n
                d[1] += sign * seconds

        upserts = []
        for case_id in case_ids:
            if (old := stored.get(case_id)) is not None:
                add(old.jurisdiction_id, old.year, old.cells, -1)
            if case_id in live:
                jur, unit, year, cells = live[case_id]
                add(jur, year, cells, 1)
                upserts.append(CaseFigure(case_id=case_id, jurisdiction_id=jur, unit_id=unit, year=year, cells=cells))
        _cells_apply(deltas)
        CaseFigure.objects.filter(case_id__in=[c for c in case_ids if c not in live]).delete()
        CaseFigure.objects.bulk_create(upserts, batch_size=1000, update_conflicts=True, unique_fields=["case_id"],
                                       update_fields=["jurisdiction_id", "unit_id", "year", "cells"])
        FigureDirty.objects.filter(pk__in=mark_ids).delete()
        return len(case_ids)


def figures_fold_all(*, limit: int = FOLD_BATCH) -> int:
    """Fold until no mark is left (one transaction per batch)."""
    total = 0
    while n := figures_fold(limit=limit):
        total += n
    return total


def _case_figures_write(rows: list[tuple]) -> None:
    """Stored contributions (case_id, jurisdiction_id, unit_id, year,
    cells) of cases that have none: COPY on PostgreSQL (model instances and
    bulk_create's per-value preparation were most of a recount's Python
    time at a million cases), bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(
                "COPY dashboard_casefigure (case_id, jurisdiction_id, unit_id, year, cells) FROM STDIN") as copy:
            for case_id, jur, unit, year, cells in rows:
                copy.write_row((case_id, jur, unit, year, json.dumps(cells)))
        return
    CaseFigure.objects.bulk_create([CaseFigure(case_id=c, jurisdiction_id=j, unit_id=u, year=y, cells=cells)
                                    for c, j, u, y, cells in rows], batch_size=2000)


def _recount_python(*, repair: bool, batch: int, out=None) -> dict[tuple, list]:
    """The recount case by case (selectors.case_figures), where there is
    no PostgreSQL: the sums per cell."""
    sums: dict[tuple, list] = {}
    last = 0
    while True:
        ids = list(Case.objects.filter(pk__gt=last).exclude(stage=Stage.DRAFT).order_by("pk")
                   .values_list("pk", flat=True)[:batch])
        if not ids:
            break
        first, last = ids[0], ids[-1]
        # A range of ids, not a list: every query of the batch is an index
        # range scan.
        rows = case_figures(Case.objects.filter(pk__gte=first, pk__lte=last).exclude(stage=Stage.DRAFT))
        figures = []
        for case_id, (jur, unit, year, cells) in rows.items():
            for kind, a, b, n, seconds in cells_with_levels(cells):
                d = sums.setdefault((jur, year, kind, a, b), [0, 0.0])
                d[0] += n
                d[1] += seconds
            figures.append((case_id, jur, unit, year, cells))
        if repair:
            _case_figures_write(figures)
        if out:
            out(f"{last} ...")
    return sums


def _differs(have: list, recount: list) -> bool:
    return have[0] != recount[0] or abs(have[1] - recount[1]) > 1e-3 * max(1.0, abs(recount[1]))


def figures_recount(*, repair: bool = True, batch: int = 20000, out=None) -> list[str]:
    """Recount every case's contribution from its rows and compare the
    cells with the sums: the differences, as lines (nothing when the cells
    are right). With ``repair`` the stored contributions and the cells are
    replaced by the recount (under the figures lock, so no fold interleaves;
    marks made after it started stay and are folded after). On PostgreSQL
    the database does the counting (dashboard.recount: set-based SQL,
    ``batch`` cases per statement); elsewhere case_figures does."""
    with transaction.atomic():
        lock_figures()
        # The marks so far: the recount reads every row after them. (Run it
        # while nobody writes: a change committed during the recount may be
        # read or not, and its mark, older than this one, go with these.)
        last_mark = FigureDirty.objects.order_by("-id").values_list("id", flat=True).first() or 0
        if repair:
            CaseFigure.objects.all().delete()
        if connection.vendor == "postgresql":
            recount.recount_sql(repair=repair, batch=batch, out=out)
            differing = recount.recount_differences()
            if repair:
                recount.recount_replace()
        else:
            sums = _recount_python(repair=repair, batch=batch, out=out)
            have = {(c.jurisdiction_id, c.year, c.kind, c.a, c.b): [c.n, c.total] for c in FigureCell.objects.all()}
            differing = [(key, have.get(key, [0, 0.0]), sums.get(key, [0, 0.0]))
                         for key in set(have) | set(sums)
                         if _differs(have.get(key, [0, 0.0]), sums.get(key, [0, 0.0]))]
            if repair:
                FigureCell.objects.all().delete()
                FigureCell.objects.bulk_create(
                    [FigureCell(jurisdiction_id=k[0], year=k[1], kind=k[2], a=k[3], b=k[4], n=v[0], total=v[1])
                     for k, v in sums.items() if v[0]], batch_size=2000)
        if repair:
            FigureDirty.objects.filter(pk__lte=last_mark).delete()
    return [f"{key}: cells {h[0]} / {h[1]:.0f} s, recount {s[0]} / {s[1]:.0f} s"
            for key, h, s in sorted(differing)]
