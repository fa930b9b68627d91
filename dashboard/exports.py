"""Writing tables to CSV and Excel.

CSV is UTF-8 with a byte-order mark: without it Excel on Chinese Windows
reads the file as GBK and shows the names garbled. Excel files use
openpyxl's write-only mode, so memory stays flat for large lists.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases.models import Outcome, Stage
from cases.selectors import case_search
from core.pagination import keyset_page

CASE_HEADERS = [
    gettext_noop("Case number"), gettext_noop("Title"), gettext_noop("Applicant"), gettext_noop("Unit"),
    gettext_noop("Jurisdiction"), gettext_noop("Stage"), gettext_noop("Outcome"), gettext_noop("Submitted on"),
    gettext_noop("Next due date"),
]
PROGRESS_EVERY = 500


def case_headers() -> list[str]:
    return [_(h) for h in CASE_HEADERS]


BATCH = 2000


EXPORT_FIELDS = ("id", "created_at", "number", "title", "applicant__full_name", "applicant__username", "unit__name",
                 "jurisdiction__name", "stage", "outcome", "submitted_at", "next_due")


def _batches(qs) -> Iterable:
    """The rows of ``qs`` in its order, a keyset page at a time
    (core.pagination): each batch is an index range read from where the
    last one stopped, whatever the size of the export, with no cursor or
    transaction held open between batches. Tuples, not model instances
    (a third of the time at a million rows); named, so that the keyset
    reads its columns (created_at, id) off them."""
    cursor = None
    rows = qs.values_list(*EXPORT_FIELDS, named=True)
    while True:
        page = keyset_page(rows, cursor=cursor, page_size=BATCH, count=False)
        yield from page.object_list
        if not page.has_next:
            return
        cursor = page.next_cursor


def case_rows(qs) -> Iterable[list]:
    stage_labels = {s.value: str(s.label) for s in Stage}
    outcome_labels = {o.value: str(o.label) for o in Outcome}
    tz = timezone.get_current_timezone()
    for (_id, _created, number, title, full_name, username, unit, jurisdiction, stage, outcome, submitted,
         next_due) in _batches(qs):
        yield [
            number, title, full_name or username, unit, jurisdiction, stage_labels.get(stage, stage),
            outcome_labels.get(outcome, outcome) if outcome else "",
            submitted.astimezone(tz).date().isoformat() if submitted else "",
            next_due.isoformat() if next_due else "",
        ]


def _cell(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    # A leading = + - @ would run as a formula in Excel (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def write_csv(out, tables: list[tuple[str, list[str], Iterable[list]]],
              progress: Callable[[int], None] | None = None) -> int:
    """``out``: a binary file. Several tables follow each other, each under
    its title when there is more than one."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    n = 0
    for i, (title, headers, rows) in enumerate(tables):
        if len(tables) > 1:
            if i:
                writer.writerow([])
            writer.writerow([title])
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            n += 1
            if progress and n % PROGRESS_EVERY == 0:
                progress(n)
    text.flush()
    text.detach()
    return n


def write_xlsx(out, tables: list[tuple[str, list[str], Iterable[list]]],
               progress: Callable[[int], None] | None = None) -> int:
    """One sheet per table."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    n = 0
    for i, (title, headers, rows) in enumerate(tables):
        # Sheet titles: at most 31 characters, none of []:*?/\
        safe = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31] or f"Sheet{i + 1}"
        ws = wb.create_sheet(title=safe)
        ws.append(list(headers))
        for row in rows:
            ws.append([_cell(v) for v in row])
            n += 1
            if progress and n % PROGRESS_EVERY == 0:
                progress(n)
    wb.save(out)
    return n


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def case_export_queryset(*, user, filters: dict):
    # Only the exported columns (and the keyset's): the case rows also hold
    # long texts (the matter, the search text) that an export never writes.
    # (case_rows reads EXPORT_FIELDS of it.)
    return case_search(user=user, filters=filters).select_related(None)

